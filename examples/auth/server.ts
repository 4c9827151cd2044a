// Vault server: `node examples/dist/auth/server.js --address 127.0.0.1:PORT`.
// Every call passes BearerAuth first; the transport comes from configuration, grpc when unset.
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { BearerAuth } from './bearer-auth.js';
import { Vault } from './vault-handler.js';

const address = flagValue(process.argv.slice(2), 'address') ?? '127.0.0.1:0';
// A class, not an instance: typedi builds BearerAuth and injects its TokenStore.
const service = micro.newService({ name: 'vault', server: { address }, interceptors: [BearerAuth] });
service.handle(Vault);
await service.run({ onListening: (bound) => console.log(`LISTENING ${bound}`) });
