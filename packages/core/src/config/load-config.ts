import type { core } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { findConfigFile, readConfigFile, type ConfigFile } from './config-file.js';
import { problemAt, sourceOf, type ConfigSource, type Provenance } from './config-source.js';
import { defaults } from './defaults.js';
import { envLayer } from './env.js';
import { isPlainObject, mergeLayer } from './merge-layer.js';
import { configSchema, type MicroOptionsInput, type ResolvedConfig, transportNames } from './schema.js';
import { resolveTlsFiles } from './tls-files.js';

/** LoadConfigOptions say where loadConfig looks; the defaults are the running process's. */
export interface LoadConfigOptions {
  /** Environment to read MICRO_* variables from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory the config file is looked up in, and relative paths resolve against (default process.cwd()). */
  readonly cwd?: string;
  /**
   * Config file to read (relative to cwd), overriding MICRO_CONFIG_FILE;
   * false reads no file at all. By default micro.config.json, .yaml or .yml in cwd, if present.
   */
  readonly file?: string | false;
  /**
   * A program's own defaults, below the config file and environment: a demo
   * that runs in-process unless the user says otherwise sets transport here.
   */
  readonly defaults?: MicroOptionsInput;
}

const CODE: ConfigSource = { kind: 'code' };
const DEFAULT: ConfigSource = { kind: 'default' };

/**
 * loadConfig resolves the configuration once, at start: code options over
 * environment over config file over defaults, deep-merged, then validated by
 * one schema. It throws a ConfigError naming every bad key, where it was set
 * and what is accepted.
 */
export function loadConfig(codeOptions: MicroOptionsInput = {}, options: LoadConfigOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (!isPlainObject(codeOptions)) {
    throw new ConfigError([{ value: codeOptions, message: `options must be an object of config keys, got ${typeof codeOptions}` }]);
  }

  const file = chooseFile(options.file, env, cwd);
  const fromEnv = envLayer(env);
  const merged: Record<string, unknown> = {};
  const provenance: Provenance = new Map();
  mergeLayer(merged, defaults, () => DEFAULT, provenance);
  if (options.defaults) mergeLayer(merged, options.defaults, () => DEFAULT, provenance);
  if (file) {
    const fileSource: ConfigSource = { kind: 'file', file: file.file, dir: file.dir, line: file.lineOf };
    mergeLayer(merged, file.data, () => fileSource, provenance);
  }
  mergeLayer(merged, fromEnv.values, (path) => fromEnv.sources.get(path.join('.')) ?? DEFAULT, provenance);
  mergeLayer(merged, codeOptions, () => CODE, provenance);

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, merged, provenance)), {
      cause: result.error,
    });
  }
  return { ...result.data, tls: resolveTlsFiles(result.data.tls, provenance, cwd) };
}

function chooseFile(
  given: string | false | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): ConfigFile | undefined {
  if (given === false) return undefined;
  if (given !== undefined) return readConfigFile(given, cwd);
  const fromEnv = env.MICRO_CONFIG_FILE?.trim();
  if (fromEnv) return readConfigFile(fromEnv, cwd, 'from MICRO_CONFIG_FILE');
  const found = findConfigFile(cwd);
  return found === undefined ? undefined : readConfigFile(found, cwd);
}

function describeIssue(issue: core.$ZodIssue, merged: Record<string, unknown>, provenance: Provenance): ConfigProblem {
  if (issue.code === 'unrecognized_keys') {
    // Zod reports unknown keys on their parent object; point at the first key itself.
    const path = [...issue.path, issue.keys[0] ?? ''];
    const accepted = Object.keys(valueAt(defaultsShape, issue.path) ?? {}).join(', ');
    const others = issue.keys.length > 1 ? ` (also unknown: ${issue.keys.slice(1).join(', ')})` : '';
    return problemAt(path, valueAt(merged, path), sourceOf(provenance, path), `is not a known key: accepted keys are ${accepted}${others}`);
  }
  const path = settingPath(merged, issue.path);
  return problemAt(path, valueAt(merged, path), sourceOf(provenance, path), `is not valid: ${issue.message}`);
}

// A list given as one "a,b" string is split by the schema: a problem with one of its
// names is reported on the string as it was set.
function settingPath(merged: Record<string, unknown>, path: readonly PropertyKey[]): readonly PropertyKey[] {
  for (let n = 1; n < path.length; n++) {
    if (typeof valueAt(merged, path.slice(0, n)) === 'string') return path.slice(0, n);
  }
  return path;
}

// The keys each object accepts, for "accepted keys are …"; tls, keepalive and server.addresses have no defaults to read them from.
const defaultsShape: Record<string, unknown> = {
  ...defaults,
  server: { ...defaults.server, addresses: Object.fromEntries(transportNames.map((t) => [t, true])) },
  keepalive: Object.fromEntries(Object.keys(configSchema.shape.keepalive.shape).map((k) => [k, true])),
  tls: Object.fromEntries(Object.keys(configSchema.shape.tls.unwrap().shape).map((k) => [k, true])),
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = Object.hasOwn(node, key) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return node;
}
