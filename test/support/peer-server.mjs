// peer-server serves greeter.proto over the transport named in argv[2] and
// prints "LISTENING host:port", so a test can kill it mid-stream. Plain
// JavaScript on the built packages: a child process has no TypeScript loader.
// A request starting "hang" holds its call open (a stream after one reply).
import { loadProto } from '@tsmicro/core';
import { createServer, transportByName } from '@tsmicro/core/plugin';

const transport = process.argv[2] ?? 'tcp';
const greeter = loadProto(new URL('../fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');

const handler = {
  async sayHello(ctx, req) {
    if (req.name.startsWith('hang')) await aborted(ctx.signal);
    return { message: `Hello ${req.name}` };
  },
  async serverStream(ctx, req, stream) {
    if (req.data.startsWith('hang')) {
      await stream.send({ data: req.data, index: 0 });
      await aborted(ctx.signal);
      return;
    }
    for (let i = 0; i < req.count; i++) await stream.send({ data: req.data, index: i });
  },
  async clientStream(_ctx, stream) {
    let n = 0;
    for await (const _ of stream) n++;
    return { data: 'done', index: n };
  },
  async allStream(_ctx, stream) {
    for await (const msg of stream) await stream.send({ data: `echo:${msg.data}`, index: msg.count });
  },
};

function aborted(signal) {
  return new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
}

const server = createServer({ transport: transportByName(transport), address: '127.0.0.1:0', onHandlerError: () => {} });
server.handle(handler, { definition: greeter });
const address = await server.start();
console.log(`LISTENING ${address}`);
