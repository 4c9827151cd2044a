import { Code, isMicroError } from '@tsmicro/core';
import { createClient, createServer } from '@tsmicro/core/plugin';
import { createMemoryTransport, createPool } from '@tsmicro/transport';
import { describe, expect, it } from 'vitest';
import { Holder } from '../test/golden/globals-import.js';
import { GlobalsDefinition, newGlobalsService, Promise as PromiseMessage, Uint8Array as BytesMessage } from '../test/golden/globals.js';

// The golden files of globals.proto compile under tsc --strict (golden-compile.test.ts); these
// check they also work: bytes fields are real bytes, not the message named Uint8Array.
describe('generated code for messages named like JavaScript globals', () => {
  it('encodes bytes fields as bytes beside a message named Uint8Array, here and in an importing file', () => {
    const blob = new globalThis.Uint8Array([1, 2, 3]);
    expect(PromiseMessage.decode(PromiseMessage.encode({ id: 'p', blob }))).toEqual({ id: 'p', blob: Buffer.from(blob) });
    expect(BytesMessage.decode(BytesMessage.encode({ data: blob }))).toEqual({ data: Buffer.from(blob) });
    const held = Holder.decode(Holder.encode({ promise: { id: 'x' }, data: { data: blob }, raw: blob }));
    expect(held).toMatchObject({ promise: { id: 'x' }, data: { data: Buffer.from(blob) }, raw: Buffer.from(blob) });
    expect(() => Holder.encode({ data: blob as never })).toThrow(/Holder\.data: expected a fixtures\.globals\.Uint8Array message/);
  });

  it('serves and calls a service whose methods take and return such messages', async () => {
    const transport = createMemoryTransport();
    const server = createServer({ transport, address: 'globals:0' });
    server.handle({ await: async (_ctx: unknown, req: { id: string }) => ({ id: `${req.id}!` }) }, { definition: GlobalsDefinition });
    const address = await server.start();
    const client = createClient({ transport, connections: createPool(transport), resolve: () => address });
    try {
      const globals = newGlobalsService('globals', client);
      expect(await globals.await({ id: 'then' })).toEqual({ id: 'then!', blob: Buffer.alloc(0) });
      const err = await globals.parse({ text: '{}' }).catch((e: unknown) => e);
      expect(isMicroError(err) && err.code).toBe(Code.UNIMPLEMENTED);
    } finally {
      await client.close();
      await server.stop(0);
    }
  });
});
