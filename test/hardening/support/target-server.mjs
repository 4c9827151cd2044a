// target-server is the server the hardening tests attack, run as its own
// process (node --expose-gc) so its memory, file descriptors and survival can
// be observed from outside. It serves the greeter example over the transport
// named in argv[2] ("tcp" or "grpc") with the keepalive a deployed service
// has, prints "LISTENING host:port", then answers one-line commands on stdin
// with one JSON line on stdout:
//   mem    -> {"rss","heapUsed","arrayBuffers","peakRss"} after two full GCs
//   peak   -> starts a new peak-RSS measurement; answers the current RSS
//   stats  -> server.stats()
//   lag    -> {"p99","max"} event-loop delay in ms since the last "lag"
// Plain JavaScript over the built packages: a child process has no TypeScript loader.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createServer, transportByName } from '@tsmicro/core/plugin';
import { Greeter } from '../../../examples/dist/greeter/greeter-handler.js';

const transportName = process.argv[2] ?? 'tcp';
const server = createServer({
  transport: transportByName(transportName),
  address: '127.0.0.1:0',
  keepalive: { timeMs: 300_000, timeoutMs: 20_000 },
  onHandlerError: () => {},
});
server.handle(new Greeter());

let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
};
setInterval(sample, 20).unref();
const lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();

const settle = async () => {
  // Two rounds: the first frees objects whose finalizers release the rest.
  for (let i = 0; i < 2; i++) {
    globalThis.gc?.();
    await new Promise((r) => setImmediate(r));
  }
};

const commands = {
  async mem() {
    await settle();
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, peakRss: peak };
  },
  async peak() {
    peak = 0;
    sample();
    return { rss: peak };
  },
  async stats() {
    return server.stats();
  },
  async lag() {
    const out = { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
    lag.reset();
    return out;
  },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const run = commands[line.trim()];
  if (run === undefined) {
    console.log(JSON.stringify({ error: `unknown command ${line}` }));
    return;
  }
  void run().then((r) => console.log(JSON.stringify(r)));
});
// The test that started this process owns it: when its end of stdin closes, stop.
process.stdin.on('end', () => process.exit(0));

const address = await server.start();
console.log(`LISTENING ${address}`);
