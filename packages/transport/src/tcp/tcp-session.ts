import type { Socket } from 'node:net';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { EncodedMessage, KeepaliveOptions } from '../transport.js';
import {
  FRAME_HEADER_SIZE,
  Flag,
  FrameType,
  GoawayCode,
  MAX_WINDOW,
  type GoawayPayload,
  decodeGoawayPayload,
  decodeRstPayload,
  decodeWindowUpdate,
  encodeCodeMessage,
} from './frame.js';
import { FrameParser } from './frame-parser.js';
import type { Settings } from './preface.js';
import { TcpProtocolError } from './protocol-error.js';
import type { StreamHost, TcpStreamBase } from './stream-base.js';
import { StreamTable } from './stream-table.js';
import { WriteBatcher } from './write-batcher.js';

/** DESTROY_AFTER_MS bounds how long a socket may take to flush its last frames after end(). */
const DESTROY_AFTER_MS = 1000;
/**
 * STREAM_FRAMES_PER_TURN bounds the streams one connection opens or resets
 * in one event-loop turn: the frame past it waits, unhandled, and the
 * session stops reading until the next turn, so the other connections are
 * read in between and a flood on one delays them by a bounded amount. The
 * bound is exact, so a client keeping this many calls in flight is never
 * held: when the frame that reached it was held instead, every batch of a
 * client at 64 calls in flight was cut after its 64th HEADERS, and that
 * call waited a turn for its request with its read parked.
 */
const STREAM_FRAMES_PER_TURN = 64;
const EMPTY = Buffer.alloc(0);

/**
 * TcpSession is one connection as both sides see it: it parses frames,
 * batches writes, keeps the connection window, answers pings, runs
 * keepalive and tears every stream down when the socket goes. The client
 * and server sessions add what differs: who opens streams.
 */
export abstract class TcpSession implements StreamHost {
  readonly peerMaxFrameSize: number;
  readonly localInitialWindow: number;
  connSendWindow: number;
  /** Resolves once the socket is closed, for whatever reason. */
  readonly closed: Promise<void>;

  protected readonly streams = new StreamTable<TcpStreamBase>();
  /** Set once the connection is dead; the error every stream got. */
  protected deadError: StatusError | null = null;
  protected goawaySent = false;

  private readonly batcher: WriteBatcher;
  private readonly parser: FrameParser;
  private readonly localConnWindow: number;
  private connRecvWindow: number;
  private connCredit = 0;
  private readonly blockedStreams = new Set<TcpStreamBase>();
  private resolveClosed!: () => void;
  private drainWaiters: (() => void)[] = [];
  private lastRecv = Date.now();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private destroyTimer: NodeJS.Timeout | undefined;
  private pingCounter = 0n;
  private socketError: Error | undefined;
  private streamFramesThisTurn = 0;
  private turnReset = false;
  private yielded = false;

  constructor(
    protected readonly socket: Socket,
    protected readonly local: Settings,
    protected readonly peer: Settings,
    private readonly keepalive: KeepaliveOptions | undefined,
  ) {
    this.peerMaxFrameSize = peer.maxFrameSize;
    this.localInitialWindow = local.initialWindowSize;
    this.connSendWindow = peer.connectionWindowSize;
    this.localConnWindow = local.connectionWindowSize;
    this.connRecvWindow = local.connectionWindowSize;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.batcher = new WriteBatcher(socket, () => this.answersDue());
    this.parser = new FrameParser(local.maxFrameSize, (id, type, flags, bytes, start, end) => this.onFrame(id, type, flags, bytes, start, end));
  }

  /** start begins reading, first the bytes that came with the peer's preface. */
  start(leftover: Buffer): void {
    const socket = this.socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.socketError = err;
    });
    socket.on('close', () => this.onSocketClose());
    // Armed before the leftover is parsed: bytes that kill the connection then
    // clear it, where a timer armed afterwards kept the dead session reachable.
    if (this.keepalive !== undefined) this.armKeepalive(this.keepalive.timeMs);
    if (leftover.length > 0) this.onData(leftover);
    socket.resume();
  }

  /** activeStreams counts the streams open now. */
  get activeStreams(): number {
    return this.streams.size;
  }

  push(buf: Buffer): void {
    this.batcher.push(buf);
  }

  grant(streamId: number, increment: number): void {
    this.batcher.grant(streamId, increment);
  }

  get writeBusy(): boolean {
    return this.batcher.busy;
  }

  nextTurn(): Promise<void> {
    return this.batcher.nextTurn();
  }

  frame(streamId: number, type: number, flags: number, payload?: Uint8Array): void {
    this.batcher.frame(streamId, type, flags, payload);
  }

  frameEncoded(streamId: number, type: number, flags: number, payload: EncodedMessage): void {
    this.batcher.frameEncoded(streamId, type, flags, payload);
  }

  addFlagsToLast(streamId: number, type: number, flags: number): boolean {
    return this.batcher.addFlagsToLast(streamId, type, flags);
  }

  blocked(stream: TcpStreamBase): void {
    this.blockedStreams.add(stream);
  }

  removeStream(stream: TcpStreamBase): void {
    if (!this.streams.remove(stream)) return;
    if (this.blockedStreams.size > 0) this.blockedStreams.delete(stream);
    if (this.streams.size === 0 && this.drainWaiters.length > 0) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
    this.onStreamRemoved(stream);
  }

  /** onStreamRemoved lets a side react when a stream ends (e.g. close a draining connection). */
  protected onStreamRemoved(_stream: TcpStreamBase): void {}

  /** answersDue tells whether answers to what this side sent are expected soon: the batched write then waits a turn for them. */
  protected answersDue(): boolean {
    return false;
  }

  /** socketWrites counts the batched socket writes so far. */
  protected get socketWrites(): number {
    return this.batcher.writes;
  }
  /**
   * startArrived runs after each batch of received bytes is parsed and before
   * DATA reaches a stream (`dataFor`): the server starts the calls that arrived then.
   */
  protected startArrived(_dataFor?: TcpStreamBase): void {}
  /** onHeaders handles a HEADERS frame, whose payload is bytes[start, end). */
  protected abstract onHeaders(id: number, flags: number, bytes: Buffer, start: number, end: number): void;
  /** onTrailers handles a TRAILERS frame, whose payload is bytes[start, end). */
  protected abstract onTrailers(id: number, bytes: Buffer, start: number, end: number): void;
  /** onGoaway handles the peer's GOAWAY. */
  protected abstract onGoaway(g: GoawayPayload): void;
  /** onResetReceived sees every RST, known stream or not (the server rate-limits them). */
  protected onResetReceived(): void {}
  /** lastPeerStreamId is the highest stream id the peer opened, for GOAWAY. */
  protected lastPeerStreamId(): number {
    return 0;
  }

  private onData(chunk: Buffer): void {
    this.lastRecv = Date.now();
    try {
      if (chunk === EMPTY) this.parser.release();
      else this.parser.push(chunk);
    } catch (err) {
      this.connectionError(err);
    }
    this.startArrived();
  }

  // onFrame handles one frame, its payload bytes[start, end): a call's
  // HEADERS and TRAILERS are read in place, and so is a DATA payload until
  // its stream needs a view of it.
  private onFrame(id: number, type: number, flags: number, bytes: Buffer, start: number, end: number): void {
    switch (type) {
      case FrameType.DATA: {
        if (id === 0) throw new TcpProtocolError('DATA on stream 0');
        const cost = end - start + FRAME_HEADER_SIZE;
        this.connRecvWindow -= cost;
        if (this.connRecvWindow < 0) throw new TcpProtocolError('connection flow-control window overrun', GoawayCode.FLOW_CONTROL_ERROR);
        // Connection credit returns on receipt: stream windows bound what is buffered,
        // this window bounds what is in flight.
        this.connCredit += cost;
        if (this.connCredit >= this.localConnWindow >>> 2) {
          this.batcher.grant(0, this.connCredit);
          this.connRecvWindow += this.connCredit;
          this.connCredit = 0;
        }
        const stream = this.streams.get(id);
        if (stream === undefined) return;
        // A handler sees its call before its first message, as it always has,
        // but for a unary call, which is handed over with its request in.
        this.startArrived(stream);
        stream.deliverData(flags, bytes, start, end);
        return;
      }
      case FrameType.HEADERS:
        if (id === 0) throw new TcpProtocolError('HEADERS on stream 0');
        if (this.spendTurn()) this.onHeaders(id, flags, bytes, start, end);
        return;
      case FrameType.TRAILERS:
        if (id === 0) throw new TcpProtocolError('TRAILERS on stream 0');
        this.onTrailers(id, bytes, start, end);
        return;
      default:
        this.onControlFrame(id, type, flags, bytes.subarray(start, end));
    }
  }

  // onControlFrame handles the frames that are not a call's own: resets, windows, pings, GOAWAY.
  private onControlFrame(id: number, type: number, flags: number, payload: Buffer): void {
    switch (type) {
      case FrameType.RST: {
        if (id === 0) throw new TcpProtocolError('RST on stream 0');
        if (!this.spendTurn()) return;
        const r = decodeRstPayload(payload);
        this.onResetReceived();
        this.streams.get(id)?.onReset(r.code, r.message);
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        const inc = decodeWindowUpdate(payload);
        if (id !== 0) {
          this.streams.get(id)?.windowUpdate(inc);
          return;
        }
        this.connSendWindow += inc;
        if (this.connSendWindow > MAX_WINDOW) throw new TcpProtocolError('connection window grew past 2^31-1', GoawayCode.FLOW_CONTROL_ERROR);
        if (this.blockedStreams.size > 0) {
          const blocked = [...this.blockedStreams];
          this.blockedStreams.clear();
          for (const s of blocked) s.pump();
        }
        return;
      }
      case FrameType.PING:
        if (id !== 0) throw new TcpProtocolError('PING on a stream');
        if (payload.length !== 8) throw new TcpProtocolError('PING payload must be 8 bytes', GoawayCode.FRAME_SIZE_ERROR);
        if ((flags & Flag.ACK) === 0) this.batcher.frame(0, FrameType.PING, Flag.ACK, payload);
        else this.onPong();
        return;
      case FrameType.GOAWAY:
        if (id !== 0) throw new TcpProtocolError('GOAWAY on a stream');
        this.onGoaway(decodeGoawayPayload(payload));
        return;
      default:
      // Unknown frame types are ignored so later versions can add them.
    }
  }

  // spendTurn counts a stream opened or reset; once the turn's budget is
  // spent it puts the frame back, stops reading until the next turn and
  // returns false.
  private spendTurn(): boolean {
    if (!this.turnReset) {
      this.turnReset = true;
      setImmediate(this.newTurn);
    }
    if (this.streamFramesThisTurn < STREAM_FRAMES_PER_TURN) {
      this.streamFramesThisTurn++;
      return true;
    }
    this.parser.putBack();
    if (!this.yielded) {
      this.yielded = true;
      this.socket.pause();
    }
    return false;
  }

  private readonly newTurn = (): void => {
    this.turnReset = false;
    this.streamFramesThisTurn = 0;
    if (!this.yielded) return;
    this.yielded = false;
    if (this.deadError !== null) return;
    this.socket.resume();
    this.onData(EMPTY);
  };

  /** sendGoaway tells the peer this side takes no streams above the last one it saw. */
  protected sendGoaway(code: number, reason: string): void {
    this.goawaySent = true;
    this.batcher.frame(0, FrameType.GOAWAY, 0, encodeCodeMessage(code, reason, this.lastPeerStreamId()));
  }

  /** connectionError ends this connection over a protocol violation: GOAWAY, then destroy. */
  protected connectionError(err: unknown): void {
    if (this.deadError !== null) return;
    const code = err instanceof TcpProtocolError ? err.code : GoawayCode.INTERNAL_ERROR;
    const message = err instanceof Error ? err.message : String(err);
    this.parser.stop();
    this.sendGoaway(code, message);
    this.batcher.flush();
    this.kill(new StatusError(Code.UNAVAILABLE, `connection closed: protocol error: ${message}`, undefined, { cause: err }), false);
  }

  /** kill fails every stream with err and closes the socket (at once, or after flushing what is written). */
  protected kill(err: StatusError, now: boolean): void {
    if (this.deadError !== null) return;
    this.deadError = err;
    this.stopKeepalive();
    for (const s of [...this.streams.values()]) s.fail(err);
    this.batcher.close();
    if (now) {
      this.socket.destroy();
    } else {
      this.socket.end();
      this.destroyTimer = setTimeout(() => this.socket.destroy(), DESTROY_AFTER_MS);
      this.destroyTimer.unref();
    }
  }

  /**
   * drain sends GOAWAY, waits up to graceMs for open streams to end, resets
   * the rest with `code`, then closes the socket.
   */
  protected async drain(graceMs: number, code: Code, reason: string): Promise<void> {
    if (this.deadError === null) {
      if (!this.goawaySent) this.sendGoaway(GoawayCode.NO_ERROR, reason);
      if (this.streams.size > 0 && graceMs > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.drainWaiters.push(resolve);
          timer = setTimeout(resolve, graceMs);
        });
        clearTimeout(timer);
      }
      for (const s of [...this.streams.values()]) s.abort(code, reason);
      this.batcher.flush();
      this.kill(new StatusError(code, reason), false);
    }
    await this.closed;
  }

  private onSocketClose(): void {
    clearTimeout(this.destroyTimer);
    this.stopKeepalive();
    const cause = this.socketError;
    this.kill(
      new StatusError(Code.UNAVAILABLE, cause === undefined ? 'connection closed by the peer' : `connection lost: ${cause.message}`, undefined, { cause }),
      true,
    );
    this.resolveClosed();
  }

  private armKeepalive(ms: number): void {
    if (this.deadError !== null) return;
    this.keepaliveTimer = setTimeout(() => this.keepaliveTick(), ms);
    this.keepaliveTimer.unref();
  }

  private keepaliveTick(): void {
    const ka = this.keepalive;
    if (ka === undefined || this.deadError !== null) return;
    const idle = Date.now() - this.lastRecv;
    if (idle < ka.timeMs) {
      this.armKeepalive(ka.timeMs - idle);
      return;
    }
    const payload = Buffer.allocUnsafe(8);
    payload.writeBigUInt64BE(++this.pingCounter);
    this.batcher.frame(0, FrameType.PING, 0, payload);
    this.pingTimer = setTimeout(() => {
      this.kill(new StatusError(Code.UNAVAILABLE, `keepalive: no answer to PING within ${ka.timeoutMs} ms`), true);
    }, ka.timeoutMs);
    this.pingTimer.unref();
  }

  private onPong(): void {
    if (this.pingTimer === undefined || this.keepalive === undefined) return;
    clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    this.armKeepalive(this.keepalive.timeMs);
  }

  private stopKeepalive(): void {
    clearTimeout(this.keepaliveTimer);
    clearTimeout(this.pingTimer);
  }
}
