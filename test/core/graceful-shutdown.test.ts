import { Code, codeName, isMicroError } from '@tsmicro/core';
import { createClient, transportByName, type TransportName } from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { describe, expect, it } from 'vitest';
import { greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';
import { spawnExample } from '../support/spawn-example.js';

const GRACE_MS = 3000;

describe.each(['grpc', 'tcp'] as TransportName[])('SIGTERM over %s', (transport) => {
  it('completes in-flight calls, ends open streams with a clear status and exits 0 within the grace period', async () => {
    const server = await spawnExample('test/support/slow-reader-server.mjs', [], {
      MICRO_TRANSPORT: transport,
      MICRO_SERVER_GRACE: `${GRACE_MS}ms`,
    });
    const t = transportByName(transport);
    const client = createClient({ transport: t, connections: createPool(t, { poolSize: 1, maxStreamsPerConnection: 1000 }), resolve: () => server.address });
    try {
      // 100 unary calls that each take a second, and 10 streams that never end by themselves.
      const calls = Array.from({ length: 100 }, () => client.call('greeter', m.sayHello, { name: 'slow:1000' }, { timeout: 20_000 }));
      const streams = await Promise.all(
        Array.from({ length: 10 }, () => client.serverStream<Req, Res>('greeter', m.serverStream, { data: 'tick', count: 0 })),
      );
      await Promise.all(streams.map((s) => s.recv()));
      const streamEnds = streams.map(async (s) => {
        for (;;) await s.recv();
      });
      const started = Date.now();
      const exited = server.stop(GRACE_MS + 5000);

      const replies = await Promise.all(calls);
      expect(replies.every((r) => r.message === 'done')).toBe(true);
      const endings = await Promise.allSettled(streamEnds);
      for (const ending of endings) {
        expect(ending.status).toBe('rejected');
        const err = (ending as PromiseRejectedResult).reason;
        expect(isMicroError(err), String(err)).toBe(true);
        expect(codeName(err.code)).toBe(codeName(Code.UNAVAILABLE));
      }
      const exit = await exited;
      expect(exit.killed).toBe(false);
      expect(exit.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(GRACE_MS + 2000);
    } finally {
      await client.close();
    }
  }, 60_000);
});
