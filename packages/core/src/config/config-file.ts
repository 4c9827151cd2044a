import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';
import { isPlainObject } from './merge-layer.js';

/** configFileNames are the names looked up in the working directory, in this order. */
export const configFileNames = ['micro.config.json', 'micro.config.yaml', 'micro.config.yml'] as const;

/** ConfigFile is a parsed config file and a way back from a key to its line. */
export interface ConfigFile {
  /** The path as shown in messages (relative to the working directory when inside it). */
  readonly file: string;
  /** Directory that relative paths inside the file (TLS files) are resolved against. */
  readonly dir: string;
  readonly data: Record<string, unknown>;
  /** lineOf returns the 1-based line holding a key's value, when it can be found. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * findConfigFile returns the config file in cwd, or undefined when there is
 * none. Two candidates at once is an error: silently preferring one would
 * ignore settings the user believes are applied.
 */
export function findConfigFile(cwd: string): string | undefined {
  const found = configFileNames.filter((name) => existsSync(resolve(cwd, name)));
  if (found.length > 1) {
    throw new ConfigError([{ message: `found both ${found.join(' and ')}; keep one config file` }]);
  }
  return found[0] === undefined ? undefined : resolve(cwd, found[0]);
}

/**
 * readConfigFile reads and parses a JSON or YAML config file (by extension).
 * `origin` says how the file was chosen, for the message when it is missing.
 */
export function readConfigFile(path: string, cwd: string, origin?: string): ConfigFile {
  const absolute = resolve(cwd, path);
  const rel = relative(cwd, absolute);
  const file = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
  const kind = formatOf(extname(absolute).toLowerCase());
  if (!kind) {
    throw new ConfigError([{ file, message: `${file}: config files must end in .json, .yaml or .yml` }]);
  }
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const from = origin ? ` (${origin})` : '';
    throw new ConfigError([{ file, message: `config file ${file}${from} cannot be read: ${reason}` }], { cause: err });
  }
  const data = kind === 'json' ? parseJson(text, file) : parseYaml(text, file);
  let lines: ((path: readonly PropertyKey[]) => number | undefined) | undefined;
  return {
    file,
    dir: dirname(absolute),
    data,
    // JSON is YAML's flow syntax, so the YAML parser locates keys in both; only done when an error needs it.
    lineOf: (keyPath) => {
      lines ??= lineFinder(text);
      return lines(keyPath);
    },
  };
}

function formatOf(ext: string): 'json' | 'yaml' | undefined {
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return undefined;
}

function parseJson(text: string, file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = jsonErrorPosition(message, text);
    const where = at ? `${file}:${at.line}:${at.col}` : file;
    const reason = message.replace(/\s*(in JSON )?at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    throw new ConfigError([{ file, line: at?.line, message: `${where}: not valid JSON: ${reason}` }], { cause: err });
  }
  return topLevel(data, file);
}

/** jsonErrorPosition reads the position V8 puts in JSON.parse errors, in either of its formats. */
function jsonErrorPosition(message: string, text: string): { line: number; col: number } | undefined {
  const lc = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lc) return { line: Number(lc[1]), col: Number(lc[2]) };
  const pos = /at position (\d+)/.exec(message);
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split('\n').length;
    return { line, col: before.length - before.lastIndexOf('\n') };
  }
  if (/end of JSON input/.test(message)) return jsonErrorPosition(`at position ${text.length}`, text);
  return undefined;
}

function parseYaml(text: string, file: string): Record<string, unknown> {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const reason = first.message.split(/ at line \d+, column \d+/)[0] ?? first.message;
    throw new ConfigError([{ file, line: pos?.line, message: `${where}: not valid YAML: ${reason}` }], { cause: first });
  }
  return topLevel(doc.toJS() ?? {}, file);
}

function topLevel(data: unknown, file: string): Record<string, unknown> {
  if (isPlainObject(data)) return data;
  const found = Array.isArray(data) ? 'a list' : JSON.stringify(data);
  throw new ConfigError([{ file, message: `${file}: expected an object of config keys at the top level, found ${found}` }]);
}

function lineFinder(text: string): (path: readonly PropertyKey[]) => number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as { range?: readonly number[] } | null | undefined)?.range;
    return range?.[0] === undefined ? undefined : lineCounter.linePos(range[0]).line;
  };
  // Walks down to the key itself, so a misspelt key is reported on its own line rather than its value's.
  return (path) => {
    let node: unknown = doc.contents;
    let line = lineOf(node);
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        line = lineOf(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(segment)];
        line = lineOf(node) ?? line;
      } else break;
    }
    return line;
  };
}
