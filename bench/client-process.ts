import { answerRequests, cpuMicros, markWindow, residentSet } from './child-rpc.js';
import { type BenchServer, type ImplName, loadImpl, type PingPong } from './bench-impl.js';
import type { Figures, MeasuredWindow, Timing } from './measure.js';
import { scenarios } from './scenarios.js';

// A bench client: connects to the server the runner started (or, for the
// in-process memory transport, serves itself) and runs scenarios on request.
const impl = await loadImpl(process.argv[2] as ImplName);
let own: BenchServer | undefined;
let address = process.argv[3] ?? '';
if (address === '') {
  own = await impl.serve();
  address = own.address;
}
const client = await impl.connect(address);
const idle: PingPong[] = [];
const ping = new Uint8Array(16);

async function openIdle(count: number): Promise<boolean> {
  if (!client.bidi) return false;
  const open = client.bidi.bind(client);
  let next = 0;
  // Each stream carries one round trip, so both sides hold it open for sure.
  const worker = async () => {
    while (next < count) {
      next++;
      const stream = await open();
      await stream.ping(ping);
      idle.push(stream);
    }
  };
  await Promise.all(Array.from({ length: 100 }, worker));
  return true;
}

// run measures one scenario and this process's CPU over its measured window;
// the runner reads the server's over the same window when it hears the marks.
async function run(index: number, timing: Timing): Promise<Figures | undefined> {
  let before = 0;
  let used = 0;
  const window: MeasuredWindow = {
    open() {
      markWindow('open');
      before = cpuMicros();
    },
    close() {
      used = cpuMicros() - before;
      markWindow('close');
    },
  };
  const figures = await scenarios[index]!.run(client, timing, window);
  return figures?.count ? { ...figures, clientCpu: used / figures.count } : figures;
}

answerRequests({
  run: (arg) => {
    const { index, timing } = arg as { index: number; timing: Timing };
    return run(index, timing);
  },
  rss: residentSet,
  openIdle: (n) => openIdle(n as number),
  async closeIdle() {
    await Promise.all(idle.splice(0).map((s) => s.close()));
  },
  async exit() {
    await client.close();
    await own?.close();
    setImmediate(() => process.exit(0));
  },
});
process.send!({ ready: address });
