import { UsageError } from './usage-error.js';

/** metadataFromFlags turns `-H key:value` flags into request metadata; a key may repeat. */
export function metadataFromFlags(headers: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const header of headers) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`-H "${header}": expected key:value`);
    const key = header.slice(0, colon).trim().toLowerCase();
    const value = header.slice(colon + 1).trim();
    (out[key] ??= []).push(value);
  }
  return out;
}
