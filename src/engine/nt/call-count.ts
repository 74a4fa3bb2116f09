// What an operation's report counts as its calls: only those of its method (the FSCTLs that
// cloned or copied the data); the FSCTLs made around them (the sparse flag, the integrity
// settings, allocated-range queries, the resume key) are counted apart, by name, so that a
// report's "1 call" is the one clone call (they were summed: a whole-file clone of one call said 4).

export class CallCount {
  /** Calls of the report's method. */
  calls = 0;
  private readonly others = new Map<string, number>();

  /** `n` calls of `name`, which is not the report's method. */
  other(name: string, n = 1): void {
    if (n > 0) this.others.set(name, (this.others.get(name) ?? 0) + n);
  }

  /** The report's `calls`, and `otherCalls` where there were any. */
  report(): { calls: number; otherCalls?: Record<string, number> } {
    return this.others.size > 0 ? { calls: this.calls, otherCalls: Object.fromEntries(this.others) } : { calls: this.calls };
  }
}
