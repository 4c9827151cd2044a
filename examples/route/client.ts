// Route guide client: `node examples/dist/route/client.js --address 127.0.0.1:PORT [--lat 40.75] [--lng -74.0]`.
// Lists the features near a point (degrees on the command line, E7 on the wire).
import { micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { newRouteGuideService } from './gen/route.js';

const argv = process.argv.slice(2);
const address = flagValue(argv, 'address');
if (!address) throw new ArgsError('usage: route/client.js --address host:port [--lat 40.75] [--lng -74.0]');
const toE7 = (degrees: string) => Math.round(Number(degrees) * 1e7);
const point = { latitude: toE7(flagValue(argv, 'lat') ?? '40.75'), longitude: toE7(flagValue(argv, 'lng') ?? '-74.0') };

const client = micro.newService({ name: 'route.client' }).client();
const guide = newRouteGuideService('route', client);
let found = 0;
for await (const feature of await guide.listFeatures(point, { address, timeout: 10_000 })) {
  const { latitude = 0, longitude = 0 } = feature.location ?? {};
  console.log(`${feature.name} at ${(latitude / 1e7).toFixed(4)}, ${(longitude / 1e7).toFixed(4)}`);
  found++;
}
console.log(`${found} features near ${point.latitude / 1e7}, ${point.longitude / 1e7}`);
await client.close();
