// `npm start`: the greeter service and a client in one process on the memory
// transport and memory registry, showing all four call kinds through the stub
// generated from greeter.proto.
import { isEOF, micro } from '@tsmicro/core';
import { newGreeterService } from './gen/greeter.js';
import { Greeter } from './greeter-handler.js';

// Memory is this program's default transport (the second argument: below the
// environment and config file), so MICRO_TRANSPORT=tcp npm start still works.
const service = micro.newService({ name: 'greeter', server: { address: '127.0.0.1:0' } }, { defaults: { transport: 'memory' } });
service.handle(Greeter);
const address = await service.start();
console.log(`greeter listening on ${service.transportName}://${address}\n`);
const client = service.client();
const greeter = newGreeterService('greeter', client);

console.log('1. unary: SayHello');
const reply = await greeter.sayHello({ name: 'jeff' }, { timeout: 2000 });
console.log(`   -> ${reply.message}`);
try {
  await greeter.sayHello({ name: 'error' });
} catch (err) {
  console.log(`   -> name "error" is refused: ${(err as Error).message}`);
}

console.log('\n2. server streaming: a stock ticker');
const ticker = await greeter.serverStream({ data: 'AAPL', count: 5 });
for (;;) {
  try {
    const tick = await ticker.recv();
    const index = tick.index ?? 0;
    const price = (187.2 + Math.sin(index) * 1.5).toFixed(2);
    console.log(`   tick ${index}: ${tick.data}  $${price}`);
  } catch (err) {
    if (isEOF(err)) break;
    throw err;
  }
}

console.log('\n3. client streaming: IoT telemetry upload');
const upload = await greeter.clientStream();
for (const reading of ['temp=21.4C', 'temp=21.9C', 'humidity=48%', 'co2=612ppm']) {
  console.log(`   sensor-7 sends ${reading}`);
  await upload.send({ data: reading });
}
const receipt = await upload.closeAndRecv();
console.log(`   -> server stored ${receipt.index} readings: ${receipt.data}`);

console.log('\n4. bidirectional streaming: a chat');
const chat = await greeter.allStream();
for (const line of ['hi there', 'how is the weather?', 'bye']) {
  console.log(`   alice: ${line}`);
  await chat.send({ data: line, count: 1 });
  const answer = await chat.recv();
  console.log(`   greeter: ${answer.data}`);
}
chat.closeSend();
for await (const extra of chat) console.log(`   greeter: ${extra.data}`);

await client.close();
await service.stop();
console.log('\ndone: all four call kinds served.');
