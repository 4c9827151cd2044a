import { setTimeout as sleep } from 'node:timers/promises';
import { isEOF } from '@tsmicro/core';
import { createClient, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { describe, expect, it } from 'vitest';
import { greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';
import { spawnExample } from '../support/spawn-example.js';

const MiB = 1024 * 1024;
const MESSAGES = 2000; // of 100 KiB each: 200 MB pushed at a reader that takes its time

describe.each(['grpc', 'tcp'] as TransportName[])('a slow reader over %s', (transport) => {
  it('bounds the server: 200 MB streamed grows its RSS by less than 64 MB', async () => {
    const server = await spawnExample('test/support/slow-reader-server.mjs', [], { MICRO_TRANSPORT: transport });
    const t = transportByName(transport);
    const pool = createPool(t, { poolSize: 1 });
    const client = createClient({ transport: t, connections: pool, resolve: () => server.address });
    try {
      const baseline = Number((await client.call('greeter', m.sayHello, { name: 'reset' })).message);
      const stream = await client.serverStream<Req, Res>('greeter', m.serverStream, { data: 'x', count: MESSAGES });
      let received = 0;
      let bytes = 0;
      for (;;) {
        let msg: Res;
        try {
          msg = await stream.recv();
        } catch (err) {
          if (isEOF(err)) break;
          throw err;
        }
        received++;
        bytes += msg.data.length;
        // The reader is slower than the writer: the writer must wait for it.
        if (received % 10 === 0) await sleep(5);
      }
      expect(received).toBe(MESSAGES);
      expect(bytes).toBe(MESSAGES * 100 * 1024);
      const peak = Number((await client.call('greeter', m.sayHello, { name: 'rss' })).message);
      expect(peak - baseline).toBeLessThan(64 * MiB);
    } finally {
      await client.close();
      const exit = await server.stop();
      expect(exit.code).toBe(0);
    }
  }, 120_000);
});
