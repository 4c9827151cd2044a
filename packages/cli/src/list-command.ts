import { nodeRoutes } from '@tsmicro/core/plugin';
import type { Args } from './args.js';
import { loadSchema } from './call-command.js';
import type { Session } from './session.js';

/** listHelp is the help text of `tsmicro list`. */
export const listHelp = `usage: tsmicro list [<service|host:port> [<pkg.Service>]] [flags]

Without a target: the services in the registry, one line each with their nodes.
With a target: the services it serves, through server reflection.
With a target and a service: that service's methods.

flags:
  --registry-address <addr>  etcd to read (or MICRO_REGISTRY_ADDRESS)
  --proto <file.proto>       with a service: read it from this file instead of reflection
  -I, --import-path <dir>    where --proto files' imports are found
  --timeout <duration>       deadline of each request
  -h, --help                 this help`;

/** listCommand runs `tsmicro list`. */
export async function listCommand(args: Args, session: Session, out: NodeJS.WritableStream): Promise<void> {
  const [, target, service] = args.positional;
  if (target === undefined) {
    const records = await (await session.registry()).listServices();
    for (const record of records.sort((a, b) => a.name.localeCompare(b.name))) {
      const nodes = record.nodes.flatMap((n) => [...nodeRoutes(n, 'grpc')].map(([t, a]) => `${a} (${t})`)).join(', ');
      out.write(`${record.name}${record.version ? ` ${record.version}` : ''}\t${nodes}\n`);
    }
    return;
  }
  const address = await session.address(target);
  if (service === undefined) {
    for (const name of (await session.reflection(address).listServices()).sort()) out.write(`${name}\n`);
    return;
  }
  const schema = await loadSchema(args, session, address, service);
  const definition = schema.proto.service(service);
  for (const method of Object.values(definition.methods)) out.write(`${service}.${method.name}\n`);
}
