import type { ConfigProblem } from './config-error.js';

/** ConfigSource says which layer set a value, so errors can point at it. */
export type ConfigSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'code' }
  | {
      readonly kind: 'env';
      readonly variable: string;
      readonly raw: string;
      /** Added to the schema's complaint. */
      readonly hint?: string;
      /** Said instead of the schema's complaint: the variable's own form was not met. */
      readonly complaint?: string;
    }
  | { readonly kind: 'file'; readonly file: string; readonly dir: string; readonly line?: (path: readonly PropertyKey[]) => number | undefined };

/** Provenance maps a dotted key to the layer whose value won. */
export type Provenance = Map<string, ConfigSource>;

/** sourceOf finds the layer behind a key, looking at its parents when the key itself was never merged. */
export function sourceOf(provenance: Provenance, path: readonly PropertyKey[]): ConfigSource {
  for (let n = path.length; n > 0; n--) {
    const found = provenance.get(dotted(path.slice(0, n)));
    if (found) return found;
  }
  return { kind: 'default' };
}

/** dotted joins a key path the way users write it: "registry.address.0". */
export function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * problemAt words a problem with the value at path, naming where it was set:
 * `MICRO_POOL_SIZE="0" is not valid: … (sets client.poolSize)`,
 * `micro.config.yaml:4: client.poolSize=0 is not valid: …`, or
 * `client.poolSize=0 is not valid: … (set in code)`.
 */
export function problemAt(
  path: readonly PropertyKey[],
  value: unknown,
  source: ConfigSource,
  complaint: string,
): ConfigProblem {
  const key = dotted(path);
  value = redact(value);
  switch (source.kind) {
    case 'env': {
      const hint = source.hint ? `, ${source.hint}` : '';
      return {
        key,
        value: redact(source.raw),
        variable: source.variable,
        message: `${source.variable}=${show(source.raw)} ${source.complaint ?? `${complaint}${hint}`} (sets ${key})`,
      };
    }
    case 'file': {
      const line = source.line?.(path);
      const at = line === undefined ? source.file : `${source.file}:${line}`;
      return { key, value, file: source.file, line, message: `${at}: ${key}=${show(value)} ${complaint}` };
    }
    case 'code':
      return { key, value, message: `${key}=${show(value)} ${complaint} (set in code)` };
    case 'default':
      return { key, value, message: `${key}=${show(value)} ${complaint}` };
  }
}

/** show renders a value briefly for a message. */
export function show(value: unknown): string {
  value = redact(value);
  if (value === pemPlaceholder) return value;
  let s: string;
  try {
    s = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const pemPlaceholder = '<PEM text>';

// Inline PEM may be a private key: it must never reach a log through an error message.
function redact(value: unknown): unknown {
  return typeof value === 'string' && value.includes('-----BEGIN') ? pemPlaceholder : value;
}
