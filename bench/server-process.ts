import { answerRequests, cpuMicros, measuredRss } from './child-rpc.js';
import { type ImplName, loadImpl } from './bench-impl.js';

// A bench server: serves one implementation and says its address.
const impl = await loadImpl(process.argv[2] as ImplName);
const server = await impl.serve();
answerRequests({
  rss: () => measuredRss(),
  cpu: () => cpuMicros(),
  async exit() {
    await server.close();
    setImmediate(() => process.exit(0));
  },
});
process.send!({ ready: server.address });
