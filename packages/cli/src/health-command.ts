import { healthMethods } from '@tsmicro/core/plugin';
import { type Args, flag } from './args.js';
import type { Session } from './session.js';
import { UsageError } from './usage-error.js';

/** healthHelp is the help text of `tsmicro health`. */
export const healthHelp = `usage: tsmicro health <service|host:port> [<pkg.Service>] [flags]

Asks grpc.health.v1.Health for the status of the whole server, or of one
service, and prints it (SERVING, NOT_SERVING, ...). Exits 0 when SERVING,
1 otherwise.

flags:
  --watch                    print every change until the server ends the watch
  --timeout <duration>       deadline
  --registry-address <addr>  etcd to find <service> in (or MICRO_REGISTRY_ADDRESS)
  -h, --help                 this help`;

/** healthCommand runs `tsmicro health`; it resolves with the exit code. */
export async function healthCommand(args: Args, session: Session, out: NodeJS.WritableStream): Promise<number> {
  const [, target, service = ''] = args.positional;
  if (!target) throw new UsageError('health needs <service|host:port>');
  const address = await session.address(target);
  const options = { address, timeout: session.timeoutMs };
  if (flag(args, 'watch') !== undefined) {
    let last = 'UNKNOWN';
    const stream = await session.client.serverStream('health', healthMethods.watch, { service }, options);
    for await (const reply of stream) {
      last = reply.status;
      out.write(`${last}\n`);
    }
    return last === 'SERVING' ? 0 : 1;
  }
  const reply = await session.client.call('health', healthMethods.check, { service }, options);
  out.write(`${reply.status}\n`);
  return reply.status === 'SERVING' ? 0 : 1;
}
