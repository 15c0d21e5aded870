// Short messages in the corner: the result of each command.
import { el } from './frame';

let host: HTMLElement | undefined;

export function toast(kind: 'ok' | 'error', text: string, correlationId?: string): void {
  if (!host || !host.isConnected) {
    host = el('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const node = el('div', { class: `toast toast-${kind}` }, text);
  if (correlationId) node.dataset.correlationId = correlationId;
  host.append(node);
  setTimeout(() => node.classList.add('toast-leaving'), kind === 'ok' ? 4000 : 8000);
  setTimeout(() => node.remove(), kind === 'ok' ? 4500 : 8500);
}
