// Telemetry server: `node examples/dist/telemetry/server.js --address 127.0.0.1:PORT`.
// The transport comes from configuration (MICRO_TRANSPORT, micro.config.json), grpc when unset.
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { Telemetry } from './telemetry-handler.js';
import { printListening } from '../shared/listening.js';

const address = flagValue(process.argv.slice(2), 'address') ?? '127.0.0.1:0';
const service = micro.newService({ name: 'telemetry', server: { address } });
service.handle(Telemetry);
await service.run({ onListening: printListening });
