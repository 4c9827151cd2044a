/**
 * durationForm says in words what parseDuration takes, for error messages of
 * the environment and of the CLI alike.
 */
export const durationForm = 'a number with a unit: ms, s, m or h (e.g. 250ms, 30s, 1.5m)';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * parseDuration reads "250ms", "30s", "1.5m" or "1h" into milliseconds, and
 * returns undefined for anything else. A bare number is refused: "5" reads as
 * seconds to some and milliseconds to others, so a unit is always written.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (units[m[2] as string] as number);
  // "0.3s" is 300 ms, not 300.00000000000006; "0.5ms" stays fractional.
  return Math.abs(ms - Math.round(ms)) < 1e-6 ? Math.round(ms) : ms;
}
