import { durationForm, parseDuration } from '@tsmicro/core/plugin';
import { UsageError } from './usage-error.js';

/**
 * timeoutFlag reads --timeout by the rule the MICRO_* duration variables
 * follow: a number with a unit ("500ms", "2s", "1.5m"); a bare number is refused.
 */
export function timeoutFlag(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--timeout: "${text}" is not valid: expected ${durationForm}`);
  if (ms <= 0) throw new UsageError('--timeout must be greater than zero');
  return ms;
}
