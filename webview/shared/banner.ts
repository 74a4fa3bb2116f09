// The views' banner for an `error` message: a failure (its code, red) or, for E_CANCELLED (the
// person's own Cancel), a neutral state with the host's sentence ("Cancelled after N files").

import { withHumanSizes } from '../../src/protocol/format';

/** Fill the banner from an error message; returns whether it was a cancel. */
export function showBanner(banner: HTMLElement, code: HTMLElement, text: HTMLElement, m: { code: string; message: string }): boolean {
  const cancelled = m.code === 'E_CANCELLED';
  banner.classList.toggle('neutral', cancelled);
  banner.setAttribute('role', cancelled ? 'status' : 'alert');
  const icon = banner.querySelector('.codicon');
  icon?.classList.toggle('codicon-error', !cancelled);
  icon?.classList.toggle('codicon-info', cancelled);
  code.textContent = cancelled ? '' : m.code;
  // the engine's exact byte counts, as the notification shows them: "75,497,472 bytes (72 MiB)"
  text.textContent = withHumanSizes(m.message);
  banner.removeAttribute('hidden');
  return cancelled;
}
