// Sign-in (a token, kept in sessionStorage) and the choice of screen.
import { ROLE_LABELS, type Session, clearSession, fetchSession, isValidTokenSyntax, saveSession, signInError } from '../session';
import { el } from '../ui/frame';

export function mountSignIn(root: HTMLElement, onSignedIn: (session: Session) => void): void {
  const input = el('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: '访问令牌' });
  const submit = el('button', { type: 'submit', class: 'primary', id: 'sign-in' }, '登录');
  const message = el('div', { class: 'form-message', id: 'sign-in-message', role: 'alert' });
  const form = el(
    'form',
    { class: 'signin-card' },
    el('h1', {}, el('span', { class: 'brand-mark' }, '全域'), '应急指挥'),
    el('p', { class: 'muted' }, '一屏观全域 · 一网联全市'),
    el('label', { for: 'token' }, '访问令牌'),
    input,
    submit,
    message,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!isValidTokenSyntax(token)) {
      message.textContent = '令牌只能包含字母、数字和 !#$%&\'*+-.^_`|~';
      return;
    }
    submit.disabled = true;
    message.textContent = '正在验证…';
    fetchSession(token)
      .then((session) => {
        saveSession(session);
        onSignedIn(session);
      })
      .catch((error: unknown) => {
        submit.disabled = false;
        message.textContent = signInError(error);
      });
  });
  root.replaceChildren(el('div', { class: 'signin' }, form));
  input.focus();
}

export function mountChooser(root: HTMLElement, session: Session, onSignOut: () => void): void {
  const commander = session.mayCommand;
  const scope = session.districts.length > 0 ? `限 ${session.districts.length} 个区县` : '全市';
  const choice = (hash: string, title: string, text: string, enabled: boolean) => {
    const link = el('a', { class: `choice${enabled ? '' : ' disabled'}`, href: enabled ? hash : '#/', 'data-route': hash.slice(2) }, el('strong', {}, title), el('span', {}, text));
    if (!enabled) link.setAttribute('aria-disabled', 'true');
    return link;
  };
  const signOut = el('button', { type: 'button', class: 'link' }, '退出登录');
  signOut.addEventListener('click', () => {
    clearSession();
    onSignOut();
  });
  root.replaceChildren(
    el(
      'div',
      { class: 'signin' },
      el(
        'div',
        { class: 'signin-card chooser' },
        el('h1', {}, el('span', { class: 'brand-mark' }, '全域'), '选择席位'),
        el('p', { class: 'muted', id: 'session-info', 'data-role': session.role }, `${ROLE_LABELS[session.role]} · ${session.name} · ${scope}`),
        el('p', { class: 'muted' }, commander ? '该令牌可查看态势并下达指令' : '该令牌为只读令牌，只能进入大屏'),
        choice('#/wall', '大屏', '一屏观全域：全市态势、指标、警情与水位', true),
        choice('#/console', '值班台', '事件处置：确认、派发核查、销号、误报、任务看板', commander),
        choice('#/subcentre', '分中心', '本辖区事件处置，地图聚焦辖区', commander),
        signOut,
      ),
    ),
  );
}
