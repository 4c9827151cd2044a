import { type Client, Code, type MicroService, micro } from '@tsmicro/core';
import { healthMethods, type TransportName } from '@tsmicro/core/plugin';
import { Container } from 'typedi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BearerAuth } from './bearer-auth.js';
import { bearerToken } from './bearer-token.js';
import { newVaultService, type Note } from './gen/vault.js';
import { Vault } from './vault-handler.js';

async function collect(stream: AsyncIterable<Note>): Promise<Note[]> {
  const out: Note[] = [];
  for await (const note of stream) out.push(note);
  return out;
}

const noConfig = { env: {}, file: false } as const;

describe.each<TransportName>(['grpc', 'tcp', 'memory'])('Vault behind bearer-token auth over %s', (transport) => {
  let service: MicroService;
  let anonymous: Client;

  beforeAll(async () => {
    service = micro.newService(
      {
        name: 'vault',
        transport,
        server: { address: '127.0.0.1:0' },
        container: Container.of(`vault-test-${transport}`),
        interceptors: [BearerAuth],
        // The service's own client calls as bob, the writer.
        clientInterceptors: [bearerToken('writer-token')],
      },
      noConfig,
    );
    service.handle(Vault);
    await service.start();
    // A client with no token at all, finding the service through the same in-process registry.
    anonymous = micro.newService({ name: 'vault.anonymous', transport }, noConfig).client();
  });
  afterAll(async () => {
    await anonymous?.close();
    await service?.stop();
  });

  const as = (token: string) => ({ interceptors: [bearerToken(token)] });

  it('hands the verified caller to the handler on every kind', async () => {
    const vault = newVaultService('vault', service.client());
    expect(await vault.whoAmI({})).toEqual({ user: 'bob', roles: ['reader', 'writer'] });
    const upload = await vault.writeNotes();
    for (const text of ['one', 'two']) await upload.send({ text });
    expect(await upload.closeAndRecv()).toEqual({ stored: 2 });
    const sync = await vault.sync();
    await sync.send({ text: 'three' });
    expect(await sync.recv()).toEqual({ text: 'three', author: 'bob' });
    sync.closeSend();
    expect(await collect(sync)).toEqual([]);
    expect((await collect(await vault.readNotes({}))).map((n) => `${n.author}:${n.text}`)).toEqual(['bob:one', 'bob:two', 'bob:three']);
    // A per-call interceptor runs inside the client's: its token wins.
    expect((await vault.whoAmI({}, as('reader-token'))).user).toBe('ann');
    expect(await vault.purge({}, as('admin-token'))).toEqual({ deleted: 3 });
  });

  it('answers UNAUTHENTICATED without a token, or with an unknown one, on every kind', async () => {
    for (const options of [{}, as('forged-token')]) {
      const vault = newVaultService('vault', anonymous);
      await expect(vault.whoAmI({}, options)).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
      await expect(collect(await vault.readNotes({}, options))).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
      const upload = await vault.writeNotes(options);
      await upload.send({ text: 'x' }).catch(() => undefined);
      await expect(upload.closeAndRecv()).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
      const sync = await vault.sync(options);
      await sync.send({ text: 'x' }).catch(() => undefined);
      await expect(sync.recv()).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
    }
  });

  // Probes carry no token: service-level interceptors leave health checks alone.
  it.runIf(transport === 'grpc')('answers health checks without a token', async () => {
    expect(await anonymous.call('vault', healthMethods.check, { service: '' })).toEqual({ status: 'SERVING' });
  });

  it('answers PERMISSION_DENIED for a caller without the method’s role, on every kind', async () => {
    const vault = newVaultService('vault', anonymous);
    await expect(vault.purge({}, as('writer-token'))).rejects.toMatchObject({ code: Code.PERMISSION_DENIED });
    await expect(collect(await vault.readNotes({}, as('guest-token')))).rejects.toMatchObject({ code: Code.PERMISSION_DENIED });
    const upload = await vault.writeNotes(as('reader-token'));
    await upload.send({ text: 'x' }).catch(() => undefined);
    await expect(upload.closeAndRecv()).rejects.toMatchObject({ code: Code.PERMISSION_DENIED, detail: 'WriteNotes needs the role "writer"' });
    const sync = await vault.sync(as('reader-token'));
    await sync.send({ text: 'x' }).catch(() => undefined);
    await expect(sync.recv()).rejects.toMatchObject({ code: Code.PERMISSION_DENIED });
    // Nothing the refused calls sent was stored.
    expect(await collect(await vault.readNotes({}, as('reader-token')))).toEqual([]);
  });
});
