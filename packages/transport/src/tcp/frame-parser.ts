import { FRAME_HEADER_SIZE, GoawayCode, u32 } from './frame.js';
import { TcpProtocolError } from './protocol-error.js';

/**
 * FrameHandler receives one parsed frame: its payload is bytes[start, end)
 * of the received bytes, not a copy. It is handed as a range rather than a
 * view, so a frame read in place (most HEADERS and TRAILERS) costs no
 * Buffer object; a handler that keeps the payload takes a subarray.
 */
export type FrameHandler = (streamId: number, type: number, flags: number, bytes: Buffer, start: number, end: number) => void;

/**
 * FrameParser cuts a byte stream into frames. Whole frames inside one chunk
 * are handed out as ranges of it; bytes of an incomplete frame wait in a
 * list and are joined once, when the frame is complete, with only the bytes
 * of the next chunk it lacks (the rest of that chunk is read in place). The length field is
 * checked against maxFrameSize before anything is buffered for the frame.
 */
export class FrameParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes needed before parsing can go on: a header, or a header plus its payload. */
  private need = FRAME_HEADER_SIZE;
  private stopped = false;
  private held = false;
  /** Set by putBack() while a frame is handled: that frame is parsed again after release(). */
  private putBackFrame = false;

  constructor(
    private readonly maxFrameSize: number,
    private readonly onFrame: FrameHandler,
  ) {}

  /** stop makes the parser drop everything from now on, e.g. after a protocol error. */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /**
   * putBack, called by the frame handler, makes the parser stop at the frame
   * being handled and keep it, unhandled, with the bytes after it until
   * release(): a session spreads a flood over turns this way, and the call
   * past its turn's budget comes whole in the next turn, rather than its
   * HEADERS now and the DATA behind them a turn later.
   */
  putBack(): void {
    this.held = true;
    this.putBackFrame = true;
  }

  /** release parses what putBack() kept, then goes on as before. */
  release(): void {
    this.held = false;
    if (this.pendingBytes === 0 || this.stopped) return;
    const buf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.need = FRAME_HEADER_SIZE;
    this.push(buf);
  }

  /** push feeds received bytes; it throws TcpProtocolError on an oversize frame. */
  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.held) {
      this.keep(chunk);
      return;
    }
    let from = 0;
    if (this.pendingBytes > 0) {
      from = this.completeFrame(chunk);
      if (from < 0) return;
      const frame = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.need = FRAME_HEADER_SIZE;
      const at = this.parse(frame, 0);
      if (this.stopped) return;
      if (at < frame.length) {
        // The frame was put back: it waits, and the rest of the chunk behind it.
        this.keep(frame);
        if (from < chunk.length) this.keep(chunk.subarray(from));
        return;
      }
    }
    const off = this.parse(chunk, from);
    if (!this.stopped && off < chunk.length) this.keep(off === 0 ? chunk : chunk.subarray(off));
  }

  /**
   * completeFrame moves into the waiting frame only the bytes of chunk it
   * lacks and returns how many it took, or -1 when the chunk ran out first.
   * Joining the whole chunk instead copied up to 64 KiB per read whenever a
   * frame straddled two reads, as large messages nearly always do, when one
   * frame's bytes were all that needed joining.
   */
  private completeFrame(chunk: Buffer): number {
    let at = 0;
    for (;;) {
      const n = Math.min(this.need - this.pendingBytes, chunk.length - at);
      if (n > 0) {
        this.keep(at === 0 && n === chunk.length ? chunk : chunk.subarray(at, at + n));
        at += n;
      }
      if (this.pendingBytes < this.need) return -1;
      if (this.need > FRAME_HEADER_SIZE) return at;
      // The header is whole: its length says how much more the frame needs.
      const head = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [head];
      const length = this.checkedLength(head, 0);
      if (length === 0) return at;
      this.need = FRAME_HEADER_SIZE + length;
    }
  }

  // parse hands out the whole frames of buf from off and returns where it
  // stopped: the end, a frame not yet whole (whose bytes it then needs), or
  // a frame put back.
  private parse(buf: Buffer, off: number): number {
    const end = buf.length;
    while (!this.stopped && !this.held) {
      const avail = end - off;
      if (avail < FRAME_HEADER_SIZE) {
        this.need = FRAME_HEADER_SIZE;
        break;
      }
      const total = FRAME_HEADER_SIZE + this.checkedLength(buf, off);
      if (avail < total) {
        this.need = total;
        break;
      }
      const streamId = u32(buf, off);
      const type = buf[off + 4] as number;
      const flags = buf[off + 5] as number;
      const start = off + FRAME_HEADER_SIZE;
      off += total;
      this.onFrame(streamId, type, flags, buf, start, off);
      if (this.putBackFrame) {
        this.putBackFrame = false;
        off -= total;
      }
    }
    return off;
  }

  // checkedLength reads the payload length of the header at buf[off], checked before anything is buffered for it.
  private checkedLength(buf: Buffer, off: number): number {
    const length = u32(buf, off + 6);
    if (length > this.maxFrameSize) {
      this.stop();
      throw new TcpProtocolError(`frame of ${length} bytes exceeds the maximum of ${this.maxFrameSize}`, GoawayCode.FRAME_SIZE_ERROR);
    }
    return length;
  }

  private keep(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }
}
