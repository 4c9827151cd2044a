// Telemetry client: `node examples/dist/telemetry/client.js --address 127.0.0.1:PORT [--device sensor-7] [--readings 10]`.
// A device uploads a batch of readings in one client stream, then prints the server's summary.
import { micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { newTelemetryService } from './gen/telemetry.js';

const argv = process.argv.slice(2);
const address = flagValue(argv, 'address');
if (!address) throw new ArgsError('usage: telemetry/client.js --address host:port [--device sensor-7] [--readings 10]');
const deviceId = flagValue(argv, 'device') ?? 'sensor-7';
const count = Number(flagValue(argv, 'readings') ?? '10');

const client = micro.newService({ name: 'telemetry.client' }).client();
const telemetry = newTelemetryService('telemetry', client);
const upload = await telemetry.upload({ address, timeout: 10_000 });
const start = Date.now();
for (let i = 0; i < count; i++) {
  const takenAtMs = String(start + i * 1000);
  // send resolves once the transport accepted the reading: a slow server slows the device.
  await upload.send({ deviceId, metric: 'temperature_c', value: 21 + Math.sin(i) * 0.8, takenAtMs });
  await upload.send({ deviceId, metric: 'humidity_pct', value: 48 + Math.cos(i) * 3, takenAtMs });
}
const summary = await upload.closeAndRecv();
console.log(`${summary.deviceId}: ${summary.readings} readings stored`);
for (const m of summary.metrics ?? []) {
  console.log(`  ${m.metric}: n=${m.count} min=${m.min?.toFixed(2)} max=${m.max?.toFixed(2)} mean=${m.mean?.toFixed(2)}`);
}
await client.close();
