/** ArgsError says a command-line flag is missing or malformed. */
export class ArgsError extends Error {
  override readonly name = 'ArgsError';
}

/** flagValue returns the value after `--name` (or `--name=value`), if given. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}`) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ArgsError(`--${name} needs a value`);
      return value;
    }
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}
