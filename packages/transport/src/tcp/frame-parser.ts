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
 * list and are joined once, when the frame is complete. The length field is
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
    let buf: Buffer;
    if (this.pendingBytes === 0 && !this.held) {
      buf = chunk;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.held || this.pendingBytes < this.need) return;
      buf = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const end = buf.length;
    let off = 0;
    while (!this.stopped && !this.held) {
      const avail = end - off;
      if (avail < FRAME_HEADER_SIZE) {
        this.need = FRAME_HEADER_SIZE;
        break;
      }
      const length = u32(buf, off + 6);
      if (length > this.maxFrameSize) {
        this.stop();
        throw new TcpProtocolError(`frame of ${length} bytes exceeds the maximum of ${this.maxFrameSize}`, GoawayCode.FRAME_SIZE_ERROR);
      }
      const total = FRAME_HEADER_SIZE + length;
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
    if (!this.stopped && off < end) {
      this.pending.push(off === 0 ? buf : buf.subarray(off));
      this.pendingBytes = end - off;
    }
  }
}
