// in-process-pair runs two services, alpha and beta, in this one process, each
// on grpc and tcp, and has them call each other by name: alpha's client calls
// beta, whose handler calls alpha on with its ctx. It counts every TCP handle
// created while the calls run (async_hooks sees each socket, listening or
// connecting) and prints `RESULT <json>`. The client preference comes from
// MICRO_CLIENT_TRANSPORTS, so the same script shows sockets when in-process is left out.
// Plain JavaScript on the built packages: a child process has no TypeScript loader.
import { createHook } from 'node:async_hooks';
import { loadProto, micro } from '@tsmicro/core';

const greeter = loadProto(new URL('../fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');
const sayHello = greeter.methods.sayHello;

function serve(name, other) {
  const service = micro.newService({ name, transport: ['grpc', 'tcp'], server: { address: '127.0.0.1:0' } });
  const handler = {
    async sayHello(ctx, req) {
      if (!req.name.startsWith('relay:')) {
        const deadline = ctx.deadline === undefined ? 'no deadline' : 'deadline';
        return { message: `Hello ${req.name} from ${name} (${ctx.metadata.get('x-trace') ?? '-'}, ${deadline})` };
      }
      const reply = await service.client().call(other, sayHello, { name: req.name.slice(6) }, { ctx, metadata: { 'x-trace': ctx.metadata.get('x-trace') ?? '' } });
      return { message: `${name} relayed: ${reply.message}` };
    },
  };
  service.handle(handler, { definition: greeter });
  return service;
}

const alpha = serve('alpha', 'beta');
const beta = serve('beta', 'alpha');
await alpha.start();
await beta.start();

let sockets = 0;
const hook = createHook({
  init(_id, type) {
    if (type === 'TCPWRAP' || type === 'TCPCONNECTWRAP') sockets++;
  },
});
hook.enable();
const replies = [];
for (let i = 0; i < 20; i++) {
  const reply = await alpha.client().call('beta', sayHello, { name: `relay:${i}` }, { timeout: 5_000, metadata: { 'x-trace': `t${i}` } });
  replies.push(reply.message);
}
hook.disable();
const stats = { alpha: alpha.server.stats().transports, beta: beta.server.stats().transports };
await alpha.stop();
await beta.stop();
console.log(`RESULT ${JSON.stringify({ sockets, replies, stats })}`);
