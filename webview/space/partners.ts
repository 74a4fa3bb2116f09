// Who a file shares with, asked of the host when the file is selected (spacePartners): the rows
// carry only how many, as the lists are most of a result's bytes (20,000 clones of one file: 2
// million pairs). The answers are kept for the result on show (a few hundred files), so going
// back to a file asks nothing.
import type { HostMessage } from '../../src/protocol/messages';
import { post } from '../shared/host';

type Answer = Extract<HostMessage, { type: 'spacePartners' }>;

const KEEP = 512;

export class Partners {
  private readonly known = new Map<number, number[]>();
  private asked: number | undefined;

  /** `arrived(file, partners)`: the answer for the file last asked about came. */
  constructor(private readonly arrived: (file: number, partners: ReadonlySet<number>) => void) {}

  /** A new result: what was known is of another one. */
  reset(): void {
    this.known.clear();
    this.asked = undefined;
  }

  /** The partners of `file` when known; else asks the host (the answer goes to `arrived`). */
  of(file: number): ReadonlySet<number> | undefined {
    const k = this.known.get(file);
    if (k) return new Set(k);
    this.asked = file;
    post({ type: 'spacePartners', index: file });
    return undefined;
  }

  /** The host's answer, for a result of `files` files (one naming a file outside it is dropped). */
  take(m: Answer, files: number): void {
    if (m.index >= files || m.partners.some(([j]) => j >= files)) return;
    if (this.known.size >= KEEP) this.known.delete(this.known.keys().next().value!);
    const list = m.partners.map(([j]) => j);
    this.known.set(m.index, list);
    if (m.index === this.asked) this.arrived(m.index, new Set(list));
  }
}
