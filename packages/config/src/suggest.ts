/**
 * Computes the optimal string alignment distance between `a` and `b`: the
 * fewest insertions, deletions, substitutions and swaps of two neighbouring
 * characters that turn one into the other (a restricted Damerau-Levenshtein
 * distance).
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j] is the distance between the first i characters of a and the
  // first j characters of b.
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const first = rows[0] as number[];
  for (let j = 0; j <= b.length; j++) {
    first[j] = j;
  }

  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        const twoAbove = rows[i - 2] as number[];
        best = Math.min(best, (twoAbove[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** Lowercases a key and drops `_`, `-` and spaces, so `hidden_size` matches `hiddenSize`. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_\-\s]/g, '');
}

/**
 * Finds the known key that an unknown key most likely misspells, or
 * `undefined` when none is close.
 *
 * Keys are compared without case, `_`, `-` and spaces, so `hidden_size`
 * matches `hiddenSize`. Otherwise a known key matches when its edit distance
 * (see {@link editDistance}) is at most 2 and less than half its length;
 * the closest wins, ties going to the earlier one in `known`.
 */
export function suggestKey(
  unknown: string,
  known: readonly string[],
): string | undefined {
  const target = normalizeKey(unknown);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;

  for (const candidate of known) {
    const normalized = normalizeKey(candidate);
    if (Math.abs(normalized.length - target.length) > 2) {
      // The distance is at least the difference in length.
      continue;
    }
    const distance = editDistance(target, normalized);
    const close = distance <= 2 && distance < normalized.length / 2;
    if (close && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
