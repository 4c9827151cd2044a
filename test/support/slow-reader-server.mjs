// A server for backpressure and shutdown tests, run as its own process so its
// memory and exit can be observed. Plain JavaScript over the built packages
// (npm test builds them first). Its greeter.Greeter behaves as follows:
//   SayHello "rss"        -> message = peak RSS in bytes since the last "reset"
//   SayHello "reset"      -> starts a new peak measurement
//   SayHello "slow:<ms>"  -> replies after <ms> milliseconds
//   ServerStream          -> `count` messages of `data` repeated to 100 KiB each,
//                            or, with data "tick", one small message every 20 ms forever
import { setTimeout as sleep } from 'node:timers/promises';
import { loadProto, micro } from '@tsmicro/core';

const proto = loadProto(new URL('../fixtures/greeter.proto', import.meta.url).pathname);
const definition = proto.service('greeter.Greeter');
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
setInterval(sample, 20).unref();

const handler = {
  async sayHello(ctx, req) {
    if (req.name === 'reset') {
      globalThis.gc?.();
      peak = 0;
      sample();
      return { message: String(peak) };
    }
    if (req.name === 'rss') return { message: String(peak) };
    if (req.name.startsWith('slow:')) {
      await sleep(Number(req.name.slice(5)), undefined, { signal: ctx.signal });
      return { message: 'done' };
    }
    return { message: `Hello ${req.name}` };
  },
  async serverStream(ctx, req, stream) {
    if (req.data === 'tick') {
      for (let i = 0; ; i++) {
        await stream.send({ data: 'tick', index: i });
        await sleep(20, undefined, { signal: ctx.signal });
      }
    }
    const chunk = req.data.repeat(Math.ceil((100 * 1024) / Math.max(1, req.data.length))).slice(0, 100 * 1024);
    for (let i = 0; i < req.count; i++) await stream.send({ data: chunk, index: i });
  },
};

const address = process.argv[2] ?? '127.0.0.1:0';
const service = micro.newService({ name: 'greeter', server: { address } });
service.handle(handler, { definition });
await service.run({ onListening: (bound) => console.log(`LISTENING ${bound}`) });
