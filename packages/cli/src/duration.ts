import { UsageError } from './usage-error.js';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** parseDuration reads "500ms", "2s", "1.5m" or a bare number of seconds (as grpcurl's -max-time) into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--timeout: "${text}" is not a duration (e.g. 500ms, 2s, 1m)`);
  const ms = Number(match[1]) * (units[match[2] ?? 's'] ?? 1000);
  if (ms <= 0) throw new UsageError('--timeout must be greater than zero');
  return ms;
}
