import type { Args } from './args.js';
import { loadSchema } from './call-command.js';
import { describeSymbol } from './describe-symbol.js';
import type { Session } from './session.js';
import { UsageError } from './usage-error.js';

/** describeHelp is the help text of `tsmicro describe`. */
export const describeHelp = `usage: tsmicro describe <service|host:port> <symbol> [flags]

Prints a service, method, message or enum as .proto text, from the server's
reflection (or --proto). A symbol is a full name: greeter.Greeter,
greeter.Greeter.SayHello, greeter.HelloRequest.

flags:
  --proto <file.proto>       read types from this file instead of reflection (repeatable)
  -I, --import-path <dir>    where --proto files' imports are found
  --registry-address <addr>  etcd to find <service> in (or MICRO_REGISTRY_ADDRESS)
  --timeout <duration>       deadline of each request
  -h, --help                 this help`;

/** describeCommand runs `tsmicro describe`. */
export async function describeCommand(args: Args, session: Session, out: NodeJS.WritableStream): Promise<void> {
  const [, target, symbol] = args.positional;
  if (!target || !symbol) throw new UsageError('describe needs <service|host:port> and <symbol>');
  const address = await session.address(target);
  const schema = await loadSchema(args, session, address, symbol.replace(/^\./, ''));
  const text = describeSymbol(schema.descriptors, symbol);
  if (text === undefined) throw new UsageError(`symbol ${symbol} is not described`);
  out.write(`${text}\n`);
}
