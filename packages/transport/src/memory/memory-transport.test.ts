import { describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import type { ServerStream } from '../transport.js';
import { createMemoryTransport } from './memory-transport.js';

describe('memory connection close', () => {
  it('ends every call still in flight UNAVAILABLE when the grace runs out, and forgets each one', async () => {
    const transport = createMemoryTransport();
    const held: ServerStream[] = [];
    // A handler that never answers: the calls are still open when the connection closes.
    const listener = await transport.listen('127.0.0.1:0', { onStream: (stream) => void held.push(stream) });
    const conn = await transport.dial(listener.address);
    const calls = ['a', 'b', 'c', 'd'].map(() => conn.openStream('/test.Hang/Hang', new Metadata()));
    // One ends on its own first, so close() walks a set that one call already left.
    calls[1]!.cancel(Code.CANCELLED, 'left early');
    expect([held.length, conn.activeStreams]).toEqual([4, 3]);

    await conn.close(0);

    const statuses = await Promise.all(calls.map((c) => c.status));
    expect(statuses.map((s) => `${s.code} ${s.message}`)).toEqual([
      `${Code.UNAVAILABLE} connection closed`,
      `${Code.CANCELLED} left early`,
      `${Code.UNAVAILABLE} connection closed`,
      `${Code.UNAVAILABLE} connection closed`,
    ]);
    expect(held.every((s) => s.signal.aborted)).toBe(true);
    expect([conn.activeStreams, conn.state]).toEqual([0, 'closed']);
    await listener.close(0);
  });

  it('closes at once with no call in flight, and refuses new calls UNAVAILABLE after', async () => {
    const transport = createMemoryTransport();
    const listener = await transport.listen('127.0.0.1:0', { onStream: (stream) => stream.finish({ code: Code.OK, message: '', metadata: new Metadata() }) });
    const conn = await transport.dial(listener.address);
    const done = conn.openStream('/test.Echo/Echo', new Metadata());
    expect((await done.status).code).toBe(Code.OK);
    expect(conn.activeStreams).toBe(0);
    await conn.close(0);
    const late = conn.openStream('/test.Echo/Echo', new Metadata());
    expect((await late.status).code).toBe(Code.UNAVAILABLE);
    expect(conn.activeStreams).toBe(0);
    await listener.close(0);
  });
});
