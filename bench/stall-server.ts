import { answerRequests } from './child-rpc.js';
import { type ImplName, loadImpl } from './bench-impl.js';
import { watchGcPauses } from './gc-pauses.js';

// A bench server for stalls.js: serves one implementation, and tells its
// process id and its GC pauses so the client can place them against its calls.
const pauses = watchGcPauses();
const server = await (await loadImpl(process.argv[2] as ImplName)).serve();
answerRequests({
  pid: () => process.pid,
  pauses: () => pauses.take(),
  async exit() {
    await server.close();
    setImmediate(() => process.exit(0));
  },
});
process.send!({ ready: server.address });
