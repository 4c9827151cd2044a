// Vault client: `node examples/dist/auth/client.js --address 127.0.0.1:PORT [--token writer-token]`.
// Says who the token belongs to, writes two notes and reads them back.
import { micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { bearerToken } from './bearer-token.js';
import { newVaultService } from './gen/vault.js';

const argv = process.argv.slice(2);
const address = flagValue(argv, 'address');
if (!address) throw new ArgsError('usage: auth/client.js --address host:port [--token writer-token]');
const token = flagValue(argv, 'token') ?? 'writer-token';

// Every call of this client carries the token, added by a client interceptor.
const client = micro.newService({ name: 'vault.client', clientInterceptors: [bearerToken(token)] }).client();
const vault = newVaultService('vault', client);
const me = await vault.whoAmI({}, { address });
console.log(`signed in as ${me.user} (${(me.roles ?? []).join(', ')})`);
const upload = await vault.writeNotes({ address });
for (const text of ['buy milk', 'call home']) await upload.send({ text });
console.log(`stored ${(await upload.closeAndRecv()).stored} notes`);
for await (const note of await vault.readNotes({}, { address })) console.log(`${note.author}: ${note.text}`);
await client.close();
