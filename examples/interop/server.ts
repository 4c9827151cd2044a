// Standard gRPC interop server: `npm run interop:server -- --port PORT`.
// Always gRPC on the wire: interop clients of every gRPC implementation call it.
import { micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { TestService } from './test-service.js';
import { printListening } from '../shared/listening.js';

const port = Number(flagValue(process.argv.slice(2), 'port') ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ArgsError('--port must be a port number from 0 to 65535');
const service = micro.newService({ name: 'grpc.testing', transport: 'grpc', server: { address: `0.0.0.0:${port}` } });
service.handle(TestService);
await service.run({ onListening: printListening });
