// peer-client opens one bidirectional greeter stream to argv[3] over the
// transport named in argv[2], sends argv[4] as data, prints "STREAMING" once
// the echo came back and then holds the stream open until it is killed.
import { loadProto } from '@tsmicro/core';
import { createClient, transportByName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';

const [transportName = 'tcp', address = '', data = 'hello'] = process.argv.slice(2);
const greeter = loadProto(new URL('../fixtures/greeter.proto', import.meta.url).pathname).service('greeter.Greeter');
const transport = transportByName(transportName);
const client = createClient({ transport, connections: createPool(transport, { poolSize: 1 }), resolve: () => address });

const stream = await client.bidiStream('greeter', greeter.methods.allStream);
await stream.send({ data, count: 0 });
const echo = await stream.recv();
console.log(`STREAMING ${echo.data}`);
setInterval(() => {}, 60_000);
