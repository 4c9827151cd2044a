// fleet-node runs the greeter example's handler as a service configured from
// the environment (MICRO_TRANSPORT, MICRO_REGISTRY...), prints its LISTENING
// lines like the example servers, and answers commands on stdin so a test can
// look inside: "stats" prints `STATS <json of server.stats().transports>`,
// "close <transport>" closes that one listener and prints `CLOSED <transport>`.
// Plain JavaScript on the built packages: a child process has no TypeScript loader.
import { createInterface } from 'node:readline';
import { micro } from '@tsmicro/core';
import { Greeter } from '../../examples/dist/greeter/greeter-handler.js';
import { printListening } from '../../examples/dist/shared/listening.js';

const service = micro.newService({ name: 'greeter', server: { address: '127.0.0.1:0' } });
service.handle(Greeter);

createInterface({ input: process.stdin }).on('line', async (line) => {
  const [command, arg] = line.trim().split(/\s+/);
  if (command === 'stats') console.log(`STATS ${JSON.stringify(service.server.stats().transports)}`);
  if (command === 'close') {
    await service.server.listeners.get(arg)?.close(2_000);
    console.log(`CLOSED ${arg}`);
  }
});

await service.run({ onListening: printListening });
process.exit(0);
