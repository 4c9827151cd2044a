import { Code, codeName, isEOF, isMicroError, Metadata } from '@tsmicro/core';
import type { GreeterService, StreamResponseData } from './gen/greeter.js';

/** Check is one case of the greeter contract, run through the generated stub against a server at `address`. */
export interface Check {
  readonly name: string;
  run(greeter: GreeterService, address: string): Promise<void>;
}

/** CheckFailure is how a case reports what the server got wrong. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

function expectEqual(what: string, got: unknown, want: unknown): void {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new CheckFailure(`${what}: got ${g.slice(0, 200)}, want ${w.slice(0, 200)}`);
}

async function expectCode(what: string, code: Code, p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isMicroError(err) && err.code === code) return err.detail;
    const got = isMicroError(err) ? `${err.status} ${err.detail}` : String(err);
    throw new CheckFailure(`${what}: want ${codeName(code)}, got ${got}`);
  }
  throw new CheckFailure(`${what}: want ${codeName(code)}, got success`);
}

async function collect(stream: AsyncIterable<StreamResponseData>): Promise<StreamResponseData[]> {
  const out: StreamResponseData[] = [];
  for await (const msg of stream) out.push(msg);
  return out;
}

/** greeterChecks are the cases of greeter.proto's contract, in the order they run. */
export const greeterChecks: readonly Check[] = [
  {
    name: 'unary',
    async run(greeter, address) {
      expectEqual('reply', await greeter.sayHello({ name: 'jeff' }, { address }), { message: 'Hello jeff' });
    },
  },
  {
    name: 'unary_error',
    async run(greeter, address) {
      const detail = await expectCode('name "error"', Code.INVALID_ARGUMENT, greeter.sayHello({ name: 'error' }, { address }));
      expectEqual('error message', detail, 'bad name');
    },
  },
  {
    name: 'trace_id_unary',
    async run(greeter, address) {
      let header = new Metadata();
      let trailer = new Metadata();
      await greeter.sayHello({ name: 'trace' }, {
        address,
        metadata: { 'x-trace-id': 'trace-unary-1' },
        onHeader: (md) => (header = md),
        onTrailer: (md) => (trailer = md),
      });
      expectEqual('x-trace-id header', header.getAll('x-trace-id'), ['trace-unary-1']);
      expectEqual('x-trace-id trailer', trailer.getAll('x-trace-id'), ['trace-unary-1']);
    },
  },
  {
    name: 'trace_id_stream',
    async run(greeter, address) {
      const s = await greeter.serverStream({ data: 't', count: 2 }, { address, metadata: { 'x-trace-id': 'trace-stream-2' } });
      await collect(s);
      expectEqual('x-trace-id header', (await s.header()).getAll('x-trace-id'), ['trace-stream-2']);
      expectEqual('x-trace-id trailer', (await s.trailer()).getAll('x-trace-id'), ['trace-stream-2']);
    },
  },
  {
    name: 'server_stream',
    async run(greeter, address) {
      const got = await collect(await greeter.serverStream({ data: 'AAPL', count: 5 }, { address }));
      expectEqual('messages', got, [0, 1, 2, 3, 4].map((i) => ({ data: `AAPL:${i}`, index: i })));
    },
  },
  {
    name: 'server_stream_default_count',
    async run(greeter, address) {
      const got = await collect(await greeter.serverStream({ data: 'd', count: 0 }, { address }));
      expectEqual('message count', got.length, 10);
      expectEqual('last message', got[9], { data: 'd:9', index: 9 });
    },
  },
  {
    name: 'client_stream',
    async run(greeter, address) {
      const s = await greeter.clientStream({ address });
      for (const data of ['a', 'b', 'c']) await s.send({ data, count: 0 });
      expectEqual('reply', await s.closeAndRecv(), { data: 'a,b,c', index: 3 });
    },
  },
  {
    name: 'client_stream_empty',
    async run(greeter, address) {
      const s = await greeter.clientStream({ address });
      expectEqual('reply', await s.closeAndRecv(), { data: '', index: 0 });
    },
  },
  {
    name: 'bidi_ping_pong',
    async run(greeter, address) {
      const s = await greeter.allStream({ address, timeout: 10_000 });
      // Each request's replies must arrive before the next request is sent.
      await s.send({ data: 'a', count: 2 });
      expectEqual('reply 1', await s.recv(), { data: 'echo:a', index: 0 });
      expectEqual('reply 2', await s.recv(), { data: 'echo:a', index: 1 });
      await s.send({ data: 'b', count: 0 });
      expectEqual('reply 3', await s.recv(), { data: 'echo:b', index: 0 });
      s.closeSend();
      try {
        await s.recv();
      } catch (err) {
        if (isEOF(err)) return;
        throw err;
      }
      throw new CheckFailure('want EOF after half-close, got another message');
    },
  },
  {
    name: 'deadline',
    async run(greeter, address) {
      // The server waits for requests that never come, so only the deadline can end the call.
      const started = Date.now();
      const s = await greeter.allStream({ address, timeout: 300 });
      await expectCode('stream with 300 ms deadline', Code.DEADLINE_EXCEEDED, s.recv());
      const took = Date.now() - started;
      if (took > 5_000) throw new CheckFailure(`deadline of 300 ms took ${took} ms to fire`);
      await expectCode('unary with expired deadline', Code.DEADLINE_EXCEEDED, greeter.sayHello({ name: 'late' }, { address, deadline: Date.now() - 1 }));
    },
  },
  {
    name: 'cancel',
    async run(greeter, address) {
      const abort = new AbortController();
      const s = await greeter.allStream({ address, signal: abort.signal });
      await s.send({ data: 'c', count: 1 });
      expectEqual('reply before cancel', await s.recv(), { data: 'echo:c', index: 0 });
      abort.abort();
      await expectCode('recv after cancel', Code.CANCELLED, s.recv());
      expectEqual('a call after the cancel', await greeter.sayHello({ name: 'after' }, { address }), { message: 'Hello after' });
    },
  },
  {
    name: 'large_message',
    async run(greeter, address) {
      // Just under the 4 MiB default limit once "Hello " and the framing are added.
      const name = 'x'.repeat(4 * 1024 * 1024 - 64);
      const reply = await greeter.sayHello({ name }, { address });
      expectEqual('reply length', reply.message?.length, name.length + 6);
      await expectCode('a message over 4 MiB', Code.RESOURCE_EXHAUSTED, greeter.sayHello({ name: 'y'.repeat(4 * 1024 * 1024 + 16) }, { address }));
    },
  },
  {
    name: 'concurrent_200',
    async run(greeter, address) {
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => greeter.sayHello({ name: `n${i}` }, { address })),
      );
      for (const [i, r] of replies.entries()) expectEqual(`reply ${i}`, r.message, `Hello n${i}`);
    },
  },
];
