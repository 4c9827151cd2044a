import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import { FrameType, encodeFrame, encodeTrailersPayload } from './frame.js';
import { encodeMetadata } from './metadata-codec.js';
import { DEFAULT_SETTINGS } from './preface.js';
import { TcpConnection } from './tcp-connection.js';

// A socket that keeps what is written to it and takes bytes from the test.
class FakeSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  readonly writableLength = 0;
  write(b: Uint8Array): boolean {
    this.writes.push(Buffer.from(b));
    return true;
  }
  cork(): void {}
  uncork(): void {}
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

function connection() {
  const socket = new FakeSocket();
  const conn = new TcpConnection('test', socket as never, DEFAULT_SETTINGS, DEFAULT_SETTINGS, undefined, 1024 * 1024);
  conn.start(Buffer.alloc(0));
  const okTrailers = (id: number) => socket.emit('data', encodeFrame(id, FrameType.TRAILERS, 0, encodeTrailersPayload(0, '', encodeMetadata(undefined))));
  const unary = () => {
    const s = conn.openStream('/test.T/M', new Metadata(), { kind: 'unary' });
    void s.write(new Uint8Array([1]));
    s.closeSend();
    return s;
  };
  return { socket, conn, okTrailers, unary };
}

describe('TcpConnection batched writes', () => {
  it('holds a write one turn while unary calls sent earlier await their answers', async () => {
    const { socket, okTrailers, unary } = connection();
    const first = unary();
    await turn();
    // Nothing was on the wire: the call goes at the end of its turn.
    expect(socket.writes.length).toBe(1);
    const second = unary();
    await turn();
    expect(socket.writes.length).toBe(1);
    await turn();
    // Held once, not until the answer comes.
    expect(socket.writes.length).toBe(2);
    okTrailers(first.id);
    okTrailers(second.id);
    await expect(first.status).resolves.toMatchObject({ code: 0 });
    await expect(second.status).resolves.toMatchObject({ code: 0 });
    unary();
    await turn();
    // Both answered: nothing is due, the third goes at once.
    expect(socket.writes.length).toBe(3);
  });

  it('does not hold writes for streams that are not unary', async () => {
    const { socket, conn, unary } = connection();
    conn.openStream('/test.T/Watch', new Metadata(), { kind: 'server_streaming' });
    await turn();
    expect(socket.writes.length).toBe(1);
    unary();
    await turn();
    expect(socket.writes.length).toBe(2);
  });
});
