import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generate, writeOutput } from '@tsmicro/codegen';
import type { Args } from './args.js';
import { type ScaffoldNames, scaffoldFiles } from './scaffold-files.js';
import { UsageError } from './usage-error.js';

/** newHelp is the help text of `tsmicro new`. */
export const newHelp = `usage: tsmicro new <name>

Creates the folder <name> holding a service named <name>: a .proto, the code
generated from it, a handler class with an injected dependency, server and
client entry points, a test, a tsconfig.json with the decorator flags, a
package.json depending on @tsmicro/core and a README.

<name> is lower case: letters and digits, words joined by "-" (order-book).

flags:
  -h, --help  this help`;

/** ScaffoldError says a new service could not be written where asked. */
export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
// Names the scaffold's own proto messages take: a service of that name would clash.
const MESSAGES = new Set(['CallRequest', 'CallResponse', 'StreamRequest', 'StreamResponse']);

/** scaffoldNames derives the names of a new service from its argument, or throws UsageError. */
export function scaffoldNames(name: string | undefined, version: string): ScaffoldNames {
  if (name === undefined) throw new UsageError('new needs the name of the service');
  if (!NAME.test(name)) {
    throw new UsageError(`"${name}" is not a service name: use lower-case letters and digits, words joined by "-" (order-book)`);
  }
  const type = name.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
  // A class named like a global (Promise, Map, Error) would shadow it in the generated code.
  if (type in globalThis || MESSAGES.has(type)) {
    throw new UsageError(`"${name}" would name the class ${type}, which clashes with a built-in or generated name: choose another`);
  }
  return { service: name, protoPackage: name.replaceAll('-', '_'), type, version };
}

/**
 * newCommand runs `tsmicro new <name>`: it writes the service into ./<name>
 * (relative to `cwd`) and prints what to run next. The folder must not exist,
 * or be empty; on a failure the folder it created is removed again.
 */
export function newCommand(args: Args, out: NodeJS.WritableStream, cwd = process.cwd()): void {
  const [, name, extra] = args.positional;
  if (extra !== undefined) throw new UsageError(`new takes one name; got also "${extra}"`);
  const names = scaffoldNames(name, ownVersion());
  const dir = resolve(cwd, names.service);
  const existed = existsSync(dir);
  if (existed && readdirSync(dir).length > 0) {
    throw new ScaffoldError(`${dir} already exists and is not empty: choose another name or remove it`);
  }
  try {
    for (const [path, content] of scaffoldFiles(names)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    writeOutput(join(dir, 'src/gen'), generate([join(dir, 'proto', `${names.service}.proto`)], { includeDirs: [join(dir, 'proto')] }));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (existed) mkdirSync(dir);
    throw err;
  }
  out.write(
    `created ${dir}\n\n` +
      `  cd ${names.service}\n` +
      '  npm install\n' +
      '  npm test          # build and run its tests\n' +
      '  npm start         # serve it; prints LISTENING host:port\n',
  );
}

// The scaffold depends on the @tsmicro packages of this CLI's own version.
function ownVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
