import { UsageError } from './usage-error.js';

/** Args is a parsed command line: positional words, and flag values by name (repeatable flags keep every value). */
export interface Args {
  readonly positional: readonly string[];
  readonly flags: ReadonlyMap<string, readonly string[]>;
  readonly help: boolean;
}

// Flags that take a value; short forms map to their long name.
const valueFlags = new Map<string, string>([
  ['-H', 'header'],
  ['--header', 'header'],
  ['--timeout', 'timeout'],
  ['--proto', 'proto'],
  ['-I', 'import-path'],
  ['--import-path', 'import-path'],
  ['--registry', 'registry'],
  ['--registry-address', 'registry-address'],
  ['--codec', 'codec'],
]);
const booleanFlags = new Map<string, string>([
  ['-v', 'verbose'],
  ['--verbose', 'verbose'],
  ['--watch', 'watch'],
]);

/**
 * parseArgs reads `--flag value`, `--flag=value`, `-Hvalue` and positional
 * words anywhere on the line; `--` ends the flags (the generator's flags
 * pass through `tsmicro gen` untouched, so it is not parsed here).
 */
export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  let help = false;
  const put = (name: string, value: string) => flags.set(name, [...(flags.get(name) ?? []), value]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const boolName = booleanFlags.get(key);
    if (boolName && eq < 0) {
      put(boolName, 'true');
      continue;
    }
    const name = valueFlags.get(key);
    if (name) {
      if (eq > 0) put(name, arg.slice(eq + 1));
      else {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`${arg} needs a value`);
        put(name, value);
      }
      continue;
    }
    const short = [...valueFlags.keys()].find((k) => k.length === 2 && arg.startsWith(k));
    if (short) {
      put(valueFlags.get(short) as string, arg.slice(2));
      continue;
    }
    throw new UsageError(`unknown option ${arg}`);
  }
  return { positional, flags, help };
}

/** flag returns the last value of a flag, if given. */
export function flag(args: Args, name: string): string | undefined {
  return args.flags.get(name)?.at(-1);
}

/** flagList returns every value of a repeatable flag. */
export function flagList(args: Args, name: string): readonly string[] {
  return args.flags.get(name) ?? [];
}
