/** Spread is a ratio's median over the rounds of a run, and its lowest and highest round. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: number;
}

/**
 * roundRatios divides `a`'s figure by `b`'s round by round (both measured in
 * the same round, minutes apart at most, so the machine's drift cancels out)
 * and summarises the quotients. Undefined when either side has no figure.
 */
export function roundRatios(a: readonly number[] | undefined, b: readonly number[] | undefined): Spread | undefined {
  if (!a || !b || a.length === 0 || a.length !== b.length) return undefined;
  const ratios = a.map((x, i) => x / (b[i] as number)).filter((r) => Number.isFinite(r)).sort((x, y) => x - y);
  if (ratios.length === 0) return undefined;
  return { median: median(ratios), min: ratios[0] as number, max: ratios[ratios.length - 1] as number, rounds: ratios.length };
}

/** spreadOf summarises plain values (a figure that is no ratio) the same way. */
export function spreadOf(values: readonly number[] | undefined): Spread | undefined {
  if (!values || values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  return { median: median(sorted), min: sorted[0] as number, max: sorted[sorted.length - 1] as number, rounds: sorted.length };
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** rangeOf prints the lowest and highest round, "0.78–0.85×". */
export function rangeOf(s: Spread): string {
  const f = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return `${f(s.min)}–${f(s.max)}×`;
}

/** formatSpread prints "0.82 (0.78–0.85)", or the median alone for one round. */
export function formatSpread(s: Spread, digits = 2): string {
  const f = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(digits));
  return s.rounds > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}
