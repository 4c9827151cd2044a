// Say client: `node examples/dist/say/client.js --address 127.0.0.1:PORT [--name NAME]`.
// Calls Hello, then Stream with count 3, then BidirectionalStream with counts 2 and 5.
import { isEOF, micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { newSayService } from './gen/say.js';

const argv = process.argv.slice(2);
const address = flagValue(argv, 'address');
if (!address) throw new ArgsError('usage: say/client.js --address host:port [--name NAME]');
const service = micro.newService({ name: 'say.client' });
const client = service.client();
const say = newSayService('say', client);

const reply = await say.hello({ name: flagValue(argv, 'name') ?? 'John' }, { address, timeout: 5000 });
console.log(`Hello: ${reply.msg}`);

// go-micro's loop: Recv until io.EOF.
const stream = await say.stream({ count: '3' }, { address });
for (;;) {
  try {
    console.log(`Stream: ${(await stream.recv()).value?.join(',')}`);
  } catch (err) {
    if (isEOF(err)) break;
    throw err;
  }
}

const bidi = await say.bidirectionalStream({ address });
for (const count of ['2', '5']) {
  await bidi.send({ count });
  for (let i = 0; i < Number(count); i++) console.log(`BidirectionalStream(${count}): ${(await bidi.recv()).value?.join(',')}`);
}
bidi.closeSend();
for await (const extra of bidi) console.log(`unexpected extra response ${extra.value?.join(',')}`);
console.log('BidirectionalStream: EOF');
await client.close();
