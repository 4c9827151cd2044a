import { generate } from './generate.js';
import { ProtoError } from './proto-error.js';
import { VERSION } from './version.js';
import { checkOutput, writeOutput } from './write-output.js';

const usage = `usage: tsmicro-gen --out <dir> [-I <include dir>]... [--check] <file.proto>...

  --out, -o <dir>      write generated .ts files under dir
  -I, --proto_path <dir>  search dir for imports (repeatable; default: each file's directory)
  --check              write nothing; exit 1 when files under --out differ from what would be written
  --version            print the version`;

/** CliArgs is the parsed command line. */
interface CliArgs {
  out?: string;
  includeDirs: string[];
  check: boolean;
  files: string[];
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parseArgs(argv: readonly string[]): CliArgs | 'help' | 'version' {
  const args: CliArgs = { includeDirs: [], check: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--version') return 'version';
    if (arg === '--check') args.check = true;
    else if (arg === '--out' || arg === '-o') args.out = value();
    else if (arg.startsWith('--out=')) args.out = arg.slice(6);
    else if (arg === '-I' || arg === '--proto_path') args.includeDirs.push(value());
    else if (arg.startsWith('-I')) args.includeDirs.push(arg.slice(2));
    else if (arg.startsWith('--proto_path=')) args.includeDirs.push(arg.slice(13));
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else args.files.push(arg);
  }
  if (args.out === undefined) throw new UsageError('--out is required');
  if (args.files.length === 0) throw new UsageError('no .proto files given');
  return args;
}

/** main runs tsmicro-gen and returns the exit code: 0 done, 1 bad .proto or drift, 2 bad usage. */
export function main(argv: readonly string[]): number {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`tsmicro-gen: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  try {
    const files = generate(args.files, { includeDirs: args.includeDirs });
    const out = args.out as string;
    if (args.check) {
      const drift = checkOutput(out, files);
      for (const d of drift) process.stderr.write(`${d.reason}: ${d.path}\n`);
      return drift.length === 0 ? 0 : 1;
    }
    writeOutput(out, files);
    return 0;
  } catch (err) {
    if (err instanceof ProtoError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`tsmicro-gen: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
