// Route guide server: `node examples/dist/route/server.js --address 127.0.0.1:PORT`.
// The transport comes from configuration (MICRO_TRANSPORT, micro.config.json), grpc when unset.
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { RouteGuide } from './route-guide-handler.js';
import { printListening } from '../shared/listening.js';

const address = flagValue(process.argv.slice(2), 'address') ?? '127.0.0.1:0';
const service = micro.newService({ name: 'route', server: { address } });
// A class, not an instance: typedi builds it and injects its FeatureDatabase.
service.handle(RouteGuide);
await service.run({ onListening: printListening });
