// "Did you mean …?" for a mistyped subcommand or option, as git's "The most similar command is":
// the candidates nearest by edit distance (insert, delete, substitute, or swap two neighbouring
// letters: "rangse" is one edit from "ranges"), when near enough to be a slip rather than another word.

/** Optimal string alignment distance: Levenshtein plus the transposition of two adjacent characters. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidates nearest to `word` (all of them on a tie, in the order given), or none when even
 * the nearest is further than a slip: one edit per three letters of the candidate, at least 1, at most 3.
 */
export function mostSimilar(word: string, candidates: readonly string[]): string[] {
  const near = candidates
    .map((c) => ({ c, d: editDistance(word, c) }))
    .filter(({ c, d }) => d <= Math.min(3, Math.max(1, Math.floor(c.length / 3))));
  const best = Math.min(...near.map((n) => n.d));
  return near.filter((n) => n.d === best).map((n) => n.c);
}

/** ' (did you mean "ranges"?)', ' (did you mean --offset or --length?)', or '' when nothing is near. */
export function didYouMean(word: string, candidates: readonly string[], show: (candidate: string) => string): string {
  const names = mostSimilar(word, candidates).map(show);
  if (names.length === 0) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return ` (did you mean ${list}?)`;
}
