// peer-client opens greeter calls to argv[3] over the transport named in
// argv[2] and holds them open until it is killed. With a tag in argv[4] and
// no argv[5] it opens one bidirectional stream sending argv[4] as data; with
// argv[5] "every-kind" it opens one call of each kind, each tagged
// "<argv[4]>:<kind>" in its x-tag header and its "hang:" request. It prints
// "STREAMING" once every call is open (a stream's first reply came back).
import { loadProto } from '@tsmicro/core';
import { createClient, transportByName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';

const [transportName = 'tcp', address = '', data = 'hello', mode = 'bidi'] = process.argv.slice(2);
const greeter = loadProto(new URL('../fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');
const transport = transportByName(transportName);
const client = createClient({ transport, connections: createPool(transport, { poolSize: 1 }), resolve: () => address });
const m = greeter.methods;

if (mode === 'every-kind') {
  const options = (kind) => ({ metadata: { 'x-tag': `${data}:${kind}` } });
  const hang = (kind) => `hang:${data}:${kind}`;
  client.call('greeter', m.sayHello, { name: hang('unary') }, options('unary')).catch(() => {});
  const ss = await client.serverStream('greeter', m.serverStream, { data: hang('server_streaming'), count: 0 }, options('server_streaming'));
  await ss.recv();
  const cs = await client.clientStream('greeter', m.clientStream, options('client_streaming'));
  await cs.send({ data: hang('client_streaming'), count: 0 });
  const bidi = await client.bidiStream('greeter', m.allStream, options('bidi_streaming'));
  await bidi.send({ data: hang('bidi_streaming'), count: 0 });
  await bidi.recv();
  console.log('STREAMING every kind');
} else {
  const stream = await client.bidiStream('greeter', m.allStream);
  await stream.send({ data, count: 0 });
  const echo = await stream.recv();
  console.log(`STREAMING ${echo.data}`);
}
setInterval(() => {}, 60_000);
