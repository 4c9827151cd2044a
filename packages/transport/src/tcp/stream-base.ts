import { type PendingRead, asIs, parkRead, readAlreadyPending, rethrow, settleRead, settleReadIn, settledIn, settledWith } from '../read-with.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import { ACCEPTED, type EncodedMessage } from '../transport.js';
import { FRAME_HEADER_SIZE, Flag, FrameType, GoawayCode, MAX_WINDOW, encodeCodeMessage } from './frame.js';
import { TcpProtocolError } from './protocol-error.js';
import { RangeQueue } from './range-queue.js';

/** StreamHost is what a stream needs from its connection's session. */
export interface StreamHost {
  /** Largest DATA payload the peer accepts in one frame. */
  readonly peerMaxFrameSize: number;
  /** The window this side grants the peer on each new stream. */
  readonly localInitialWindow: number;
  /** Bytes this side may still send on the whole connection. */
  connSendWindow: number;
  /** push queues whole frames for the next batched socket write. */
  push(buf: Buffer): void;
  /** grant returns window credit to the peer on a stream (0: the connection), held back while the peer does not read. */
  grant(streamId: number, increment: number): void;
  /** frame queues one frame (header and payload) for the next batched socket write. */
  frame(streamId: number, type: number, flags: number, payload?: Uint8Array): void;
  /** frameEncoded is frame() for a payload laid out in place. */
  frameEncoded(streamId: number, type: number, flags: number, payload: EncodedMessage): void;
  /** writeBusy tells whether this event-loop turn queued so much that writers should yield. */
  readonly writeBusy: boolean;
  /** nextTurn resolves after the event loop has run once more. */
  nextTurn(): Promise<void>;
  /** addFlagsToLast sets flags on the newest queued frame if it is this stream's of this type and still unwritten. */
  addFlagsToLast(streamId: number, type: number, flags: number): boolean;
  /** blocked registers a stream waiting for connection-level window. */
  blocked(stream: TcpStreamBase): void;
  /** removeStream forgets a stream that is over. */
  removeStream(stream: TcpStreamBase): void;
}

const MSG = 0;
const END = 1;
const FRAME = 2;

interface OutItem {
  readonly kind: typeof MSG | typeof END | typeof FRAME;
  readonly data: Uint8Array;
  /** The frame type of a FRAME item. */
  readonly type?: number;
  off: number;
  readonly resolve?: () => void;
  readonly reject?: (err: StatusError) => void;
}

const NO_BYTES = new Uint8Array(0);

// viewOf is bytes[start, end) as a message of its own: bytes itself when that is all of it.
function viewOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
}

// The outbound queue of a stream that never had to wait: shared, never
// pushed to (a stream gets its own array on its first wait).
const NO_OUT: OutItem[] = [];
Object.freeze(NO_OUT);

/**
 * TcpStreamBase is the half of a stream both sides share: the inbound
 * message queue with its receive window, and the outbound queue with its
 * send window. Credit for a message goes back to the peer when the
 * application reads it, so a reader that stops makes the writer wait.
 */
export abstract class TcpStreamBase implements PendingRead {
  // Fields are declared and set in the constructor rather than initialized
  // as class fields: the engine defines class fields through a function of
  // their own, which made constructing a server stream take half as long
  // again (about 44 ns against 29). Every field is set there, so every
  // stream has the same shape.
  readonly declare id: number;
  protected readonly declare host: StreamHost;
  protected readonly declare maxMessageSize: number;
  /** Bytes this side may still send on this stream. */
  declare sendWindow: number;
  /** True once the stream is over on this side and gone from the session. */
  declare closed: boolean;
  /** True once END_STREAM (or trailers) is queued: no more writes. */
  protected declare sendClosed: boolean;
  /** True once the peer said it sends no more messages. */
  protected declare remoteDone: boolean;
  /** How the stream ended, surfaced once queued messages are read; null for a clean end. */
  protected declare terminal: StatusError | null;

  /** Whether a failed stream drops unread messages (server) or still hands them out first (client). */
  protected declare discardOnError: boolean;

  // The oldest unread message, first[firstStart, firstEnd), and the credit it
  // returns when read: a unary request, the only message its stream queues,
  // costs no array, and stays a range of the bytes it came in until it is
  // read (no view at all when it is decoded in place, see takeQueuedWith).
  private declare first: Uint8Array | undefined;
  private declare firstStart: number;
  private declare firstEnd: number;
  private declare firstCost: number;
  // Unread messages after `first`, made when a second one waits (a stream
  // read as fast as it is written holds none) and kept once made: a reader
  // that trails its writer by a message or two empties it at every message.
  private declare later: RangeQueue | undefined;
  // The pending read (see PendingRead): internal to the stream, public only for settleRead().
  declare resolveRead: PendingRead['resolveRead'];
  declare rejectRead: PendingRead['rejectRead'];
  declare onReadMessage: PendingRead['onReadMessage'];
  declare onReadFailure: PendingRead['onReadFailure'];
  declare readSelf: unknown;
  // Whether the pending read was parked by readIn, whose continuation takes the message in place.
  private declare readsInPlace: boolean;
  // Fragments of a message split over DATA frames, made for the first one.
  private declare partial: Buffer[] | undefined;
  private declare partialBytes: number;
  private declare heldCredit: number;
  private declare recvWindow: number;
  private declare credit: number;
  private declare out: OutItem[];

  constructor(id: number, host: StreamHost, initialSendWindow: number, maxMessageSize: number) {
    this.id = id;
    this.host = host;
    this.maxMessageSize = maxMessageSize;
    this.sendWindow = initialSendWindow;
    this.closed = false;
    this.sendClosed = false;
    this.remoteDone = false;
    this.terminal = null;
    this.discardOnError = false;
    this.first = undefined;
    this.firstStart = 0;
    this.firstEnd = 0;
    this.firstCost = 0;
    this.later = undefined;
    this.resolveRead = undefined;
    this.rejectRead = undefined;
    this.onReadMessage = undefined;
    this.onReadFailure = undefined;
    this.readSelf = undefined;
    this.readsInPlace = false;
    this.partial = undefined;
    this.partialBytes = 0;
    this.heldCredit = 0;
    this.recvWindow = host.localInitialWindow;
    this.credit = 0;
    this.out = NO_OUT;
  }

  /** onReset handles an RST from the peer. */
  abstract onReset(code: number, message: string): void;
  /** fail ends the stream because its connection is gone or going. */
  abstract fail(err: StatusError): void;
  /** onClosed runs once when the stream ends, with how it ended. */
  protected abstract onClosed(err: StatusError | null): void;
  /** writeAfterEnd answers a write() once the sending side is over. */
  protected abstract writeAfterEnd(): Promise<void>;
  /** onRemoteEnd handles END_STREAM from the peer. */
  protected onRemoteEnd(): void {
    this.remoteDone = true;
    if (this.resolveRead !== undefined && this.queued === 0) settleRead(this, null, undefined);
  }

  /** queued is how many messages wait unread. */
  private get queued(): number {
    if (this.first === undefined) return 0;
    return this.later === undefined ? 1 : 1 + this.later.length;
  }
  /** onFrameSent runs once the frame that ends the sending side (trailers, or END_STREAM on the last DATA) is queued. */
  protected onFrameSent(): void {}

  /** deliverData takes one DATA frame from the session, its payload bytes[start, end) (read in place, not copied). */
  deliverData(flags: number, bytes: Buffer, start: number, end: number): void {
    const length = end - start;
    const cost = length + FRAME_HEADER_SIZE;
    this.recvWindow -= cost;
    if (this.recvWindow < 0) throw new TcpProtocolError(`stream ${this.id} overran its flow-control window`, GoawayCode.FLOW_CONTROL_ERROR);
    if (this.remoteDone) throw new TcpProtocolError(`DATA on stream ${this.id} after END_STREAM`);
    if ((flags & Flag.END_MESSAGE) !== 0) {
      const total = this.partialBytes + length;
      if (total > this.maxMessageSize) return this.oversize(total);
      const msgCost = cost + this.heldCredit;
      this.heldCredit = 0;
      if (this.partial !== undefined) {
        this.partial.push(bytes.subarray(start, end));
        const msg = Buffer.concat(this.partial, total);
        this.partial = undefined;
        this.partialBytes = 0;
        this.enqueue(msg, 0, total, msgCost);
      } else {
        this.enqueue(bytes, start, end, msgCost);
      }
    } else if (length > 0) {
      this.partialBytes += length;
      if (this.partialBytes > this.maxMessageSize) return this.oversize(this.partialBytes);
      (this.partial ??= []).push(bytes.subarray(start, end));
      // A message larger than the window must still get through: its leading
      // fragments earn credit at once, unless unread messages are waiting.
      if (this.queued === 0) this.release(cost);
      else this.heldCredit += cost;
    } else {
      this.release(cost);
    }
    if ((flags & Flag.END_STREAM) !== 0 && !this.closed) {
      if (this.partialBytes > 0) return this.abort(Code.INTERNAL, 'stream ended in the middle of a message');
      this.onRemoteEnd();
    }
  }

  private oversize(size: number): void {
    this.partial = undefined;
    this.partialBytes = 0;
    this.abort(Code.RESOURCE_EXHAUSTED, `message of at least ${size} bytes exceeds the limit of ${this.maxMessageSize} bytes`);
  }

  /** takeMessage lets a side keep a whole message, bytes[start, end), for itself instead of queueing it for read(); true when it did. */
  protected takeMessage(_bytes: Uint8Array, _start: number, _end: number): boolean {
    return false;
  }

  // enqueue hands the message bytes[start, end) to the pending read or queues it.
  private enqueue(bytes: Uint8Array, start: number, end: number, cost: number): void {
    if (this.takeMessage(bytes, start, end)) {
      this.release(cost);
      return;
    }
    if (this.resolveRead !== undefined) {
      this.release(cost);
      if (this.readsInPlace) settleReadIn(this, bytes, start, end);
      else settleRead(this, viewOf(bytes, start, end), undefined);
      return;
    }
    if (this.first === undefined) {
      this.first = bytes;
      this.firstStart = start;
      this.firstEnd = end;
      this.firstCost = cost;
      return;
    }
    (this.later ??= new RangeQueue()).push(bytes, start, end, cost);
  }

  private release(n: number): void {
    if (this.closed || this.remoteDone) return;
    this.credit += n;
    if (this.credit >= this.host.localInitialWindow >>> 2) {
      this.host.grant(this.id, this.credit);
      this.recvWindow += this.credit;
      this.credit = 0;
    }
  }

  /** readNext returns the next message, null at a clean end, or rejects with how the stream failed. */
  protected readNext(): Promise<Uint8Array | null> {
    return this.readWith(asIs, rethrow, undefined);
  }

  /**
   * readWith is readNext with its continuations applied in place: it
   * resolves with onMessage(message, or null at a clean end) and rejects
   * with what onMessage threw or with onFailure(how the stream failed),
   * saving a promise and a microtask per message over read().then().
   */
  readWith<T, C>(onMessage: (this: C, m: Uint8Array | null) => T, onFailure: (this: C, err: StatusError) => unknown, self: C): Promise<T> {
    const m = this.takeQueued();
    if (m !== undefined) return settledWith(onMessage, self, m);
    return this.readLater(onMessage, onFailure, self, false);
  }

  /** readIn is readWith for a reader that reads each message in place (see ReadIn): no view per message. */
  readIn<T, C>(
    onMessage: (this: C, bytes: Uint8Array | null, start: number, end: number) => T,
    onFailure: (this: C, err: StatusError) => unknown,
    self: C,
  ): Promise<T> {
    const m = this.first;
    if (m !== undefined) {
      const start = this.firstStart;
      const end = this.firstEnd;
      this.dropFirst();
      return settledIn(onMessage, self, m, start, end);
    }
    return this.readLater(onMessage, onFailure, self, true);
  }

  // readLater is a read that finds no message queued: it tells how the
  // stream ended, or parks the read for the next message. Both kinds of
  // continuation take null alone at a clean end.
  private readLater<T, C>(
    onMessage: (this: C, bytes: Uint8Array | null, start: number, end: number) => T,
    onFailure: (this: C, err: StatusError) => unknown,
    self: C,
    inPlace: boolean,
  ): Promise<T> {
    if (this.terminal !== null) return Promise.reject(onFailure.call(self, this.terminal));
    if (this.remoteDone || this.closed) return settledIn(onMessage, self, null, 0, 0);
    if (this.resolveRead !== undefined) {
      return Promise.reject(onFailure.call(self, readAlreadyPending()));
    }
    this.readsInPlace = inPlace;
    return parkRead(this, onMessage, onFailure, self);
  }

  /** takeQueued takes the next unread message and returns its credit to the peer; undefined when none waits. */
  protected takeQueued(): Uint8Array | undefined {
    const m = this.first;
    if (m === undefined) return undefined;
    const start = this.firstStart;
    const end = this.firstEnd;
    this.dropFirst();
    return viewOf(m, start, end);
  }

  /**
   * takeQueuedWith is takeQueued for a reader that reads the message in
   * place: it returns use(bytes, start, end), called with `self` as `this`,
   * for the message bytes[start, end), and undefined when none waits (use
   * must not return undefined). The message then costs no view of its own.
   */
  protected takeQueuedWith<T, C>(use: (this: C, bytes: Uint8Array, start: number, end: number) => T, self: C): T | undefined {
    const m = this.first;
    if (m === undefined) return undefined;
    const start = this.firstStart;
    const end = this.firstEnd;
    this.dropFirst();
    return use.call(self, m, start, end);
  }

  // dropFirst moves the queue on past `first` and returns that message's credit.
  private dropFirst(): void {
    let cost = this.firstCost;
    const later = this.later;
    if (later === undefined || later.length === 0) {
      this.first = undefined;
      cost += this.heldCredit;
      this.heldCredit = 0;
    } else {
      this.first = later.bytes;
      this.firstStart = later.start;
      this.firstEnd = later.end;
      this.firstCost = later.credit;
      later.shift();
    }
    this.release(cost);
  }

  // goesAtOnce takes a message's credit from both send windows when it may
  // go now as one frame: nothing queued ahead of it, and room in both.
  private goesAtOnce(len: number): boolean {
    const cost = len + FRAME_HEADER_SIZE;
    const host = this.host;
    if (this.out.length !== 0 || len > host.peerMaxFrameSize || cost > this.sendWindow || cost > host.connSendWindow) return false;
    this.sendWindow -= cost;
    host.connSendWindow -= cost;
    return true;
  }

  /** sendMessage writes one message, resolving at once while the windows allow it. */
  protected sendMessage(message: Uint8Array): Promise<void> {
    if (this.closed || this.sendClosed) return this.writeAfterEnd();
    const host = this.host;
    if (this.goesAtOnce(message.length)) {
      host.frame(this.id, FrameType.DATA, Flag.END_MESSAGE, message);
      return host.writeBusy ? host.nextTurn() : ACCEPTED;
    }
    return new Promise((resolve, reject) => {
      this.outQueue().push({ kind: MSG, data: message, off: 0, resolve, reject });
      this.pump();
    });
  }

  /**
   * sendEncoded is sendMessage for a message not yet laid out: while the
   * windows let it go at once it is laid out in the write batch itself;
   * otherwise it gets bytes of its own and waits as any message does.
   */
  protected sendEncoded(message: EncodedMessage): Promise<void> {
    if (this.closed || this.sendClosed) return this.writeAfterEnd();
    const len = message.byteLength;
    const host = this.host;
    if (this.goesAtOnce(len)) {
      host.frameEncoded(this.id, FrameType.DATA, Flag.END_MESSAGE, message);
      return host.writeBusy ? host.nextTurn() : ACCEPTED;
    }
    const bytes = Buffer.allocUnsafe(len);
    message.encodeInto(bytes, 0);
    return this.sendMessage(bytes);
  }

  /** sendEnd half-closes, behind any queued messages; it rides on the last DATA header when it can. */
  protected sendEnd(): void {
    if (this.sendClosed || this.closed) return;
    this.sendClosed = true;
    if (this.out.length === 0 && this.host.addFlagsToLast(this.id, FrameType.DATA, Flag.END_STREAM)) return;
    this.outQueue().push({ kind: END, data: NO_BYTES, off: 0 });
    this.pump();
  }

  /**
   * endOnLastData ends the sending side by setting END_STREAM on this
   * stream's last DATA frame, when nothing waits behind it and that frame is
   * still the newest unwritten one; false (and nothing done) otherwise.
   */
  protected endOnLastData(): boolean {
    if (this.out.length !== 0 || this.closed || this.sendClosed) return false;
    if (!this.host.addFlagsToLast(this.id, FrameType.DATA, Flag.END_STREAM)) return false;
    this.sendClosed = true;
    this.onFrameSent();
    return true;
  }

  /** sendFrameInOrder queues a control frame (trailers) behind the queued messages. */
  protected sendFrameInOrder(type: number, payload: Uint8Array): void {
    this.sendClosed = true;
    if (this.out.length === 0 && !this.closed) {
      this.host.frame(this.id, type, 0, payload);
      this.onFrameSent();
      return;
    }
    this.outQueue().push({ kind: FRAME, data: payload, type, off: 0 });
    this.pump();
  }

  private outQueue(): OutItem[] {
    if (this.out === NO_OUT) this.out = [];
    return this.out;
  }

  /** pump sends what the windows allow from the outbound queue. */
  pump(): void {
    const out = this.out;
    const host = this.host;
    while (out.length > 0 && !this.closed) {
      const item = out[0] as OutItem;
      if (item.kind === FRAME) {
        out.shift();
        host.frame(this.id, item.type as number, 0, item.data);
        this.onFrameSent();
        continue;
      }
      const avail = Math.min(this.sendWindow, host.connSendWindow) - FRAME_HEADER_SIZE;
      if (item.kind === END) {
        if (avail < 0) break;
        host.frame(this.id, FrameType.DATA, Flag.END_STREAM);
        this.sendWindow -= FRAME_HEADER_SIZE;
        host.connSendWindow -= FRAME_HEADER_SIZE;
        out.shift();
        continue;
      }
      const remaining = item.data.length - item.off;
      const n = Math.min(remaining, host.peerMaxFrameSize, avail);
      if (n < 0 || (n === 0 && remaining > 0)) break;
      const last = n === remaining;
      host.frame(this.id, FrameType.DATA, last ? Flag.END_MESSAGE : 0, n > 0 ? item.data.subarray(item.off, item.off + n) : undefined);
      this.sendWindow -= n + FRAME_HEADER_SIZE;
      host.connSendWindow -= n + FRAME_HEADER_SIZE;
      item.off += n;
      if (last) {
        out.shift();
        item.resolve?.();
      }
    }
    if (out.length > 0 && !this.closed) host.blocked(this);
  }

  /** windowUpdate adds send credit from the peer. */
  windowUpdate(increment: number): void {
    this.sendWindow += increment;
    if (this.sendWindow > MAX_WINDOW) throw new TcpProtocolError(`stream ${this.id} window grew past 2^31-1`, GoawayCode.FLOW_CONTROL_ERROR);
    if (this.out.length > 0) this.pump();
  }

  /** abort ends the stream from this side: RST to the peer, the error locally. */
  abort(code: Code, message: string): void {
    if (this.closed) return;
    this.host.frame(this.id, FrameType.RST, 0, encodeCodeMessage(code, message));
    this.close(new StatusError(code, message));
  }

  /** discardInbound drops messages not yet read, for a call that died and has no use for them. */
  protected discardInbound(): void {
    this.first = undefined;
    this.later = undefined;
  }

  /** close ends the stream on this side once: pending writes and reads settle, the session forgets it. */
  protected close(err: StatusError | null): void {
    if (this.closed) return;
    this.closed = true;
    this.terminal = err;
    this.partial = undefined;
    if (err !== null && this.discardOnError) this.discardInbound();
    this.host.removeStream(this);
    const out = this.out;
    this.out = NO_OUT;
    // Indexed: a for-of made an iterator per call even over the shared empty queue.
    for (let i = 0; i < out.length; i++) {
      const item = out[i] as OutItem;
      if (err === null) item.resolve?.();
      else item.reject?.(err);
    }
    if (this.resolveRead !== undefined && this.queued === 0) settleRead(this, null, err ?? undefined);
    this.onClosed(err);
  }
}
