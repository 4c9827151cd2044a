import { answerRequests, cpuMicros, residentSet } from './child-rpc.js';
import { type ImplName, loadImpl } from './bench-impl.js';
import { watchGcPauses } from './gc-pauses.js';

// A bench server: serves one implementation and says its address.
const impl = await loadImpl(process.argv[2] as ImplName);
const server = await impl.serve();
// GC pauses are watched from the first time they are asked for (stalls.js), so the other runs pay nothing for them.
let pauses: ReturnType<typeof watchGcPauses> | undefined;
answerRequests({
  rss: residentSet,
  cpu: () => cpuMicros(),
  pid: () => process.pid,
  pauses: () => (pauses ??= watchGcPauses()).take(),
  async exit() {
    await server.close();
    setImmediate(() => process.exit(0));
  },
});
process.send!({ ready: server.address });
