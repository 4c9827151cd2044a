import { codeName, isMicroError } from '@tsmicro/core';
import { main as runGenerator } from '@tsmicro/codegen';
import { parseArgs } from './args.js';
import { callCommand, callHelp } from './call-command.js';
import { describeCommand, describeHelp } from './describe-command.js';
import { healthCommand, healthHelp } from './health-command.js';
import { listCommand, listHelp } from './list-command.js';
import { newCommand, newHelp } from './new-command.js';
import { ReflectionError } from './reflection-client.js';
import { Session } from './session.js';
import { UsageError } from './usage-error.js';

const help = `usage: tsmicro <command> [arguments] [flags]

commands:
  call <service|host:port> <pkg.Service/Method> ['<json>']   call a method (every stream kind)
  list [<service|host:port> [<pkg.Service>]]                services in the registry, or served by a server
  describe <service|host:port> <symbol>                      a service, method or message as .proto text
  health <service|host:port> [<pkg.Service>]                 grpc.health.v1 status
  gen --out <dir> <file.proto>...                            generate TypeScript (tsmicro-gen)
  new <name>                                                 scaffold a service in the folder <name>

A target is host:port, or a service name looked up in the registry
(--registry-address or MICRO_REGISTRY_ADDRESS, etcd). Types come from the
server's reflection, or from --proto files.

Exit codes: 0 done; 1 failed; 2 bad usage; 64 + the gRPC status code when a
call ends with an error (e.g. 67 for INVALID_ARGUMENT), as grpcurl does.

Run tsmicro <command> --help for a command's flags.`;

const helps: Record<string, string> = {
  call: callHelp,
  list: listHelp,
  describe: describeHelp,
  health: healthHelp,
  new: newHelp,
};

/** main runs the tsmicro CLI and resolves with the exit code. */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const command = argv[0];
  // The generator parses its own flags.
  if (command === 'gen') return runGenerator(argv.slice(1));
  let session: Session | undefined;
  try {
    const args = parseArgs(argv);
    if (command === undefined || command === 'help' || (args.help && !(command in helps))) {
      out.write(`${help}\n`);
      return command === undefined ? 2 : 0;
    }
    const commandHelp = helps[command];
    if (commandHelp === undefined) throw new UsageError(`unknown command "${command}"`);
    if (args.help) {
      out.write(`${commandHelp}\n`);
      return 0;
    }
    if (command === 'new') {
      newCommand(args, out);
      return 0;
    }
    session = new Session(args);
    switch (command) {
      case 'call':
        await callCommand(args, session, out);
        return 0;
      case 'list':
        await listCommand(args, session, out);
        return 0;
      case 'describe':
        await describeCommand(args, session, out);
        return 0;
      default:
        return await healthCommand(args, session, out);
    }
  } catch (err) {
    return report(err, command);
  } finally {
    await session?.close().catch(() => {});
  }
}

function report(err: unknown, command: string | undefined): number {
  if (err instanceof UsageError) {
    process.stderr.write(`tsmicro: ${err.message}\n${helps[command ?? ''] ?? 'Run tsmicro --help for usage.'}\n`);
    return 2;
  }
  if (isMicroError(err)) {
    process.stderr.write(`ERROR: ${codeName(err.code)}: ${err.detail}\n`);
    return 64 + err.code;
  }
  if (err instanceof ReflectionError) {
    process.stderr.write(`ERROR: ${codeName(err.code)}: server reflection: ${err.message}\n`);
    return 64 + err.code;
  }
  process.stderr.write(`tsmicro: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
