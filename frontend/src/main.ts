// Entry point: hash routes #/ (sign-in, choice of screen), #/wall, #/console, #/subcentre.
import './styles.css';
import { type ClientConfig, loadConfig } from './config';
import { NoViewAccess, type Session, clearSession, fetchSession, loadSession, saveSession } from './session';
import { mountConsole } from './views/console';
import { type View, createContext } from './views/context';
import { mountChooser, mountSignIn } from './views/signin';
import { mountWall } from './views/wall';

const root = document.getElementById('app') as HTMLElement;
let current: View | undefined;
let config: ClientConfig;

function route(): void {
  current?.destroy();
  current = undefined;
  const session: Session | undefined = loadSession();
  const path = window.location.hash.replace(/^#\/?/, '');
  document.documentElement.dataset.route = path || 'home';
  if (!session) {
    mountSignIn(root, () => route());
    return;
  }
  const ctx = () => createContext(session, config);
  // Commanding screens only for tokens that may command (the server refuses the commands anyway).
  if ((path === 'console' || path === 'subcentre') && !session.mayCommand) {
    window.location.hash = '#/';
    return;
  }
  switch (path) {
    case 'wall':
      document.title = '全域 · 大屏';
      current = mountWall(root, ctx());
      break;
    case 'console':
      document.title = '全域 · 值班台';
      current = mountConsole(root, ctx(), { subcentre: false });
      break;
    case 'subcentre':
      document.title = '全域 · 分中心';
      current = mountConsole(root, ctx(), { subcentre: true });
      break;
    default:
      document.title = '全域应急指挥';
      mountChooser(root, session, () => route());
  }
}

/** Re-reads what a stored token may do (its role or districts may have changed since sign-in). */
async function refreshSession(): Promise<void> {
  const stored = loadSession();
  if (!stored) return;
  try {
    saveSession(await fetchSession(stored.token));
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (error instanceof NoViewAccess || status === 401 || status === 403) clearSession();
    // Otherwise (server unreachable) keep the stored session: the views show the connection state.
  }
}

void Promise.all([loadConfig(), refreshSession()]).then(([loaded]) => {
  config = loaded;
  window.addEventListener('hashchange', route);
  route();
});
