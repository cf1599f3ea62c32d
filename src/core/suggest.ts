/**
 * "Did you mean" suggestions, one rule for every mistyped word (commands, flag values, zoo names,
 * suite keys): a candidate is a plausible typo when its edit distance, swapped letters counting one
 * edit, is at most a third of the candidate (at least 2) and less than the word's own length.
 */

/** Edit distance with adjacent transpositions as one edit (optimal string alignment). */
export function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * Every candidate that is a plausible typo of `word`, closest first (ties in `candidates` order), so
 * equally close names can all be offered (`resnet` -> resnet18 or resnet50).
 */
export function nearestNames(word: string, candidates: readonly string[]): string[] {
  return (
    candidates
      .map((c) => ({ c, d: typoDistance(word, c) }))
      // A third of the name (at least 2 edits) is a typo; replacing every letter of a short word is not.
      .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)) && d < word.length)
      .sort((a, b) => a.d - b.d)
      .map(({ c }) => c)
  );
}

/**
 * The closest of `candidates` to a mistyped `word`, or undefined when none is close enough to be a
 * plausible typo (so `bench bogus` lists the commands instead of suggesting an unrelated one).
 */
export function nearestName(word: string, candidates: readonly string[]): string | undefined {
  return nearestNames(word, candidates)[0];
}
