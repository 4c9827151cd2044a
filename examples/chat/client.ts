// Chat client: `node examples/dist/chat/client.js --address 127.0.0.1:PORT [--from alice] [--messages 3]`.
// Sends N messages, reading each one's notification before the next, then
// half-closes and reads until the server ends the call.
import { micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { newChatService } from './gen/chat.js';

const argv = process.argv.slice(2);
const address = flagValue(argv, 'address');
if (!address) throw new ArgsError('usage: chat/client.js --address host:port [--from alice] [--messages 3]');
const from = flagValue(argv, 'from') ?? 'alice';
const messages = Number(flagValue(argv, 'messages') ?? '3');

const client = micro.newService({ name: 'chat.client' }).client();
const chat = newChatService('chat', client);
const call = await chat.converse({ address, timeout: 10_000 });
for (let i = 0; i < messages; i++) {
  const text = `message ${i + 1} of ${messages}`;
  await call.send({ from, text });
  const note = await call.recv();
  console.log(`[${note.kind} #${note.sequence}] ${note.text}`);
}
call.closeSend();
// Iteration ends at EOF, the server's OK; a failure would throw here.
for await (const note of call) console.log(`[${note.kind} #${note.sequence}] ${note.text}`);
console.log('chat ended OK');
await client.close();
