// A polite live region: what a keyboard move selected, for screen readers, where the focus stays
// on a canvas (the inspector's map, the Space treemap) and nothing else would be spoken.
import { el } from './ui';

interface Announcer {
  /** The region (visually hidden); put it in the page once. */
  readonly el: HTMLElement;
  say(text: string): void;
}

export function createAnnouncer(): Announcer {
  const region = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', id: 'live' });
  return {
    el: region,
    // the same words again (N at the last extent twice) are a change too, so they are spoken again
    say: (text) => void (region.textContent = region.textContent === text ? `${text}\u00a0` : text),
  };
}
