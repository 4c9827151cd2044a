// Say server: `node examples/dist/say/server.js --address 127.0.0.1:PORT`.
// The transport comes from configuration (MICRO_TRANSPORT, micro.config.json), grpc when unset.
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { registerSayHandler } from './gen/say.js';
import { Say } from './say-handler.js';
import { printListening } from '../shared/listening.js';

const address = flagValue(process.argv.slice(2), 'address') ?? '127.0.0.1:0';
const service = micro.newService({ name: 'say', server: { address } });
registerSayHandler(service, new Say());
await service.run({ onListening: printListening });
