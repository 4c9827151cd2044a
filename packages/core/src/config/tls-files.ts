import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { problemAt, sourceOf, type Provenance } from './config-source.js';
import type { ResolvedConfig } from './schema.js';

type Tls = NonNullable<ResolvedConfig['tls']>;

/**
 * resolveTlsFiles replaces TLS file paths by the PEM text they hold, so a
 * missing or unreadable file fails at start, naming the key that pointed at
 * it. Values that already are PEM stay as they are. Relative paths resolve
 * against the config file's directory when they came from it, else cwd.
 */
export function resolveTlsFiles(tls: Tls | undefined, provenance: Provenance, cwd: string): Tls | undefined {
  if (!tls) return undefined;
  const problems: ConfigProblem[] = [];
  const out: { -readonly [K in keyof Tls]: Tls[K] } = { ...tls };
  for (const field of ['cert', 'key', 'ca'] as const) {
    const value = tls[field];
    if (value === undefined || value.includes('-----BEGIN')) continue;
    const source = sourceOf(provenance, ['tls', field]);
    const base = source.kind === 'file' ? source.dir : cwd;
    try {
      out[field] = readFileSync(resolve(base, value), 'utf8');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      problems.push(problemAt(['tls', field], value, source, `cannot be read as a PEM file: ${reason}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}
