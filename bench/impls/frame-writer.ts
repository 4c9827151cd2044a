import type { Socket } from 'node:net';

/**
 * FrameWriter batches frames written in one event-loop turn into one socket
 * write, and lets a streaming writer wait while the socket is full.
 */
export class FrameWriter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  /** frame queues [length][id][kind][body]; length counts id, kind and body. */
  frame(id: number, kind: number, body: Uint8Array): void {
    const head = Buffer.allocUnsafe(9);
    head.writeUInt32BE(5 + body.byteLength, 0);
    head.writeUInt32BE(id, 4);
    head[8] = kind;
    this.chunks.push(head, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    this.bytes += 9 + body.byteLength;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** drained resolves when the socket can take more (at once unless 64 KiB or more wait). */
  async drained(): Promise<void> {
    if (this.bytes < 65_536) return;
    if (!this.flush()) await new Promise((resolve) => this.socket.once('drain', resolve));
  }

  private flush(): boolean {
    this.scheduled = false;
    if (this.chunks.length === 0) return true;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    return this.socket.write(data);
  }
}

/** readFrames calls onFrame for every complete frame arriving on socket. */
export function readFrames(socket: Socket, onFrame: (id: number, kind: number, body: Buffer) => void): void {
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= 4) {
      const length = buf.readUInt32BE(at);
      if (buf.length - at - 4 < length) break;
      onFrame(buf.readUInt32BE(at + 4), buf[at + 8]!, buf.subarray(at + 9, at + 4 + length));
      at += 4 + length;
    }
    pending = at === buf.length ? undefined : buf.subarray(at);
    buf = chunk;
  });
}
