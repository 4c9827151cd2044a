// Greeter contract checker: `npm run greeter:client -- --address 127.0.0.1:PORT`.
// Runs every case of greeter.proto against whatever server listens there.
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { newGreeterService } from './gen/greeter.js';
import { greeterChecks } from './greeter-checks.js';

const address = flagValue(process.argv.slice(2), 'address');
if (!address) {
  console.error('usage: greeter:client --address host:port');
  process.exit(2);
}
// One connection for the whole run, so "200 concurrent calls" share it.
const service = micro.newService({
  name: 'greeter.client',
  client: { poolSize: 1, maxStreamsPerConnection: 1000 },
});
const client = service.client();
const greeter = newGreeterService('greeter', client);
let passed = 0;
let failed = 0;
for (const check of greeterChecks) {
  try {
    await check.run(greeter, address);
    console.log(`PASS ${check.name}`);
    passed++;
  } catch (err) {
    console.log(`FAIL ${check.name}: ${err instanceof Error ? err.message : String(err)}`);
    failed++;
  }
}
const connections = service.poolStats()[address]?.connections.length ?? 0;
if (connections === 1) {
  console.log('PASS one_connection');
  passed++;
} else {
  console.log(`FAIL one_connection: the run used ${connections} connections, want 1`);
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
await client.close();
process.exit(failed === 0 ? 0 : 1);
