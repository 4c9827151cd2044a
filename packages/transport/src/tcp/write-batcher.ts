import type { EncodedMessage } from '../transport.js';
import { FLAGS_OFFSET, FRAME_HEADER_SIZE, encodeWindowUpdate, writeHeader } from './frame.js';

/** ByteSink is the part of a socket the batcher writes to. */
export interface ByteSink {
  write(chunk: Uint8Array): unknown;
  cork(): void;
  uncork(): void;
  /** Bytes written and not yet taken by the operating system. */
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

/** Frames are laid out in slabs of this size; a slab is used until full, across flushes. */
const SLAB_SIZE = 64 * 1024;
/** Payloads at least this large are queued as they are (no copy) instead of copied into the slab. */
const COPY_LIMIT = 4 * 1024;
/** Batches larger than this are written buffer by buffer (writev) rather than joined. */
const CONCAT_LIMIT = 256 * 1024;
/** Past this many bytes queued in one turn, writers are asked to wait for the next turn. */
const YIELD_BYTES = 256 * 1024;
/** Past this many queued bytes the batch is written at once instead of waiting for the end of the turn. */
const EAGER_LIMIT = 1024 * 1024;
/**
 * A batch is also written once it holds this many frames, mid-turn: the peer
 * starts on the first answers while this side still produces the rest, where
 * one write per turn kept both ends taking turns. At 32 frames (16 unary
 * calls, each two frames each way) that raised throughput with 64 calls in
 * flight when a call cost several times what it does now; since then the
 * extra writes, and the extra wake-ups of the peer they bring, cost more
 * than the overlap gave: at 128 frames the server of that bench spent about
 * a fifth less CPU per call and the client a tenth less, at about the same
 * rate (alternating runs on a busy machine, noisy), and streams of small
 * messages kept theirs.
 */
const FLUSH_FRAMES = 128;
/**
 * Each further mid-turn write in the same turn waits for twice the frames of
 * the one before, up to FLUSH_FRAMES << MAX_FLUSH_DOUBLINGS: once the peer has
 * work, more small writes add no overlap, and a sender streaming thousands
 * of small messages a turn paid a socket write every 32 of them (a third of
 * its CPU); it now pays about one every 2,000, some 56 KiB of 16 B messages.
 */
const MAX_FLUSH_DOUBLINGS = 4;
/**
 * Past this many bytes not yet taken by the operating system the peer is not
 * reading: writers wait for the socket to drain and window credit is held
 * back until then. Windows alone do not bound this, as a peer may announce
 * 2^31-1 of them and never read.
 */
const BACKLOG_LIMIT = 1024 * 1024;

/**
 * WriteBatcher collects the frames produced during one event-loop turn and
 * hands them to the socket as one write at the end of the turn (setImmediate;
 * a turn later while answers are due), or sooner once FLUSH_FRAMES are queued
 * (in a microtask), so many small frames cost one syscall. Frame headers and
 * small payloads are written straight into a slab, so a frame costs no buffer
 * of its own; large payloads are queued as they are and go out through
 * cork/uncork (writev).
 */
export class WriteBatcher {
  private slab = Buffer.allocUnsafe(0);
  /** Bytes of the slab in use; bytes before `segmentStart` are already in `parts` or written. */
  private used = 0;
  private segmentStart = 0;
  /** Queued buffers in order, not counting the open slab segment. */
  private parts: Buffer[] = [];
  private bytes = 0;
  private frames = 0;
  private scheduled = false;
  private closed = false;
  /** Frames that make the next mid-turn write; grows within a turn, back to FLUSH_FRAMES at its end. */
  private flushFrames = FLUSH_FRAMES;
  private readonly flushBound = (): void => {
    // While answers to calls already sent are due, the end-of-turn write
    // waits one more turn, once: the event loop polls the socket meanwhile
    // without blocking, and calls freed by answers that had already arrived
    // go out in this write. A client at 64 calls in flight otherwise settled into
    // two halves taking turns on the wire, each with writes and reads of
    // its own: about 45 calls per syscall on both sides instead of 62, and
    // a tenth more server CPU per call.
    if (!this.held && this.answersDue?.() === true) {
      this.held = true;
      setImmediate(this.flushBound);
      return;
    }
    this.held = false;
    this.flushFrames = FLUSH_FRAMES;
    this.flush();
  };
  private held = false;
  private writeCount = 0;
  private turn: Promise<void> | undefined;
  private bytesThisTurn = 0;
  // The newest frame, while nothing was queued after it and it is unwritten: its flags can still change.
  private lastFlags = -1;
  private lastStream = -1;
  private lastType = -1;
  private lastSlab: Buffer | undefined;
  // While the socket is backed up: the promise writers wait on, and the window
  // credit held back per stream id (0 for the connection).
  private drained: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;
  private heldCredit: Map<number, number> | undefined;
  private readonly onDrainBound = (): void => this.onDrain();
  private midTurnQueued = false;
  private readonly midTurnBound = (): void => {
    this.midTurnQueued = false;
    // A flush may have written the batch meanwhile.
    if (this.frames >= this.flushFrames) this.writeMidTurn();
  };

  /**
   * answersDue, when given, tells whether answers to what this side already
   * sent are expected soon (a client's unary calls on the wire): the
   * end-of-turn write then waits a turn for them (see flushBound).
   */
  constructor(
    private readonly sink: ByteSink,
    private readonly answersDue?: () => boolean,
  ) {}

  /** writes counts the socket writes made so far: a side tells by it what it queued since the last one. */
  get writes(): number {
    return this.writeCount;
  }

  /** backedUp tells whether the socket holds more unsent bytes than BACKLOG_LIMIT. */
  get backedUp(): boolean {
    return this.sink.writableLength + this.bytes >= BACKLOG_LIMIT;
  }

  /**
   * grant returns `increment` bytes of window credit to the peer on a stream
   * (0: the connection). While the socket is backed up the credit is held and
   * sent once it drains: a peer that does not read gets no room to send more.
   */
  grant(streamId: number, increment: number): void {
    if (this.closed) return;
    if (!this.backedUp) {
      this.push(encodeWindowUpdate(streamId, increment));
      return;
    }
    const held = (this.heldCredit ??= new Map());
    held.set(streamId, (held.get(streamId) ?? 0) + increment);
    this.waitForDrain();
  }

  /** frame queues one frame: its header, then its payload. */
  frame(streamId: number, type: number, flags: number, payload?: Uint8Array): void {
    if (this.closed) return;
    const len = payload === undefined ? 0 : payload.length;
    const copy = len < COPY_LIMIT;
    const off = this.reserve(FRAME_HEADER_SIZE + (copy ? len : 0));
    const slab = this.slab;
    writeHeader(slab, off, streamId, type, flags, len);
    if (len > 0) {
      if (copy) {
        slab.set(payload as Uint8Array, off + FRAME_HEADER_SIZE);
      } else {
        this.closeSegment();
        const p = payload as Uint8Array;
        this.parts.push(Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
        this.count(len);
      }
    }
    this.queued(slab, off, streamId, type);
  }

  /**
   * frameEncoded queues one frame whose payload is laid out straight into
   * the slab, sparing it a buffer of its own and a copy; a large one gets
   * its own buffer and goes as frame() sends it.
   */
  frameEncoded(streamId: number, type: number, flags: number, payload: EncodedMessage): void {
    if (this.closed) return;
    const len = payload.byteLength;
    if (len >= COPY_LIMIT) {
      const bytes = Buffer.allocUnsafe(len);
      payload.encodeInto(bytes, 0);
      this.frame(streamId, type, flags, bytes);
      return;
    }
    const off = this.reserve(FRAME_HEADER_SIZE + len);
    const slab = this.slab;
    writeHeader(slab, off, streamId, type, flags, len);
    if (len > 0) payload.encodeInto(slab, off + FRAME_HEADER_SIZE);
    this.queued(slab, off, streamId, type);
  }

  // queued notes the frame just laid out at slab[off], the last one a flag may still be set on, and schedules the write.
  private queued(slab: Buffer, off: number, streamId: number, type: number): void {
    this.lastFlags = off + FLAGS_OFFSET;
    this.lastSlab = slab;
    this.lastStream = streamId;
    this.lastType = type;
    this.frames++;
    this.schedule();
  }

  /** push queues bytes that are already whole frames. */
  push(buf: Buffer): void {
    if (this.closed) return;
    this.closeSegment();
    this.parts.push(buf);
    this.count(buf.length);
    this.lastFlags = -1;
    this.schedule();
  }

  /**
   * addFlagsToLast sets flags on the newest queued frame if it is of this
   * stream and type and nothing was queued or written after it (END_STREAM
   * rides on the last DATA frame this way); false when it cannot.
   */
  addFlagsToLast(streamId: number, type: number, flags: number): boolean {
    if (this.lastFlags < 0 || this.lastStream !== streamId || this.lastType !== type) return false;
    const slab = this.lastSlab as Buffer;
    slab[this.lastFlags] = (slab[this.lastFlags] as number) | flags;
    return true;
  }

  /**
   * busy tells whether this event-loop turn has queued enough bytes that a
   * writer should let the loop run: on loopback socket.write() rarely pushes
   * back, and a send loop whose writes all resolve at once would otherwise
   * starve the reads (resets, window updates, pings) that arrive meanwhile.
   */
  get busy(): boolean {
    return this.bytesThisTurn >= YIELD_BYTES || this.backedUp;
  }

  /**
   * nextTurn resolves once the event loop has run, shared by every writer of
   * this turn; while the socket is backed up, once it has drained (or closed).
   */
  nextTurn(): Promise<void> {
    if (this.backedUp && !this.closed) return this.waitForDrain();
    this.turn ??= new Promise((resolve) =>
      setImmediate(() => {
        this.turn = undefined;
        this.bytesThisTurn = 0;
        resolve();
      }),
    );
    return this.turn;
  }

  /** flush writes what is queued now. */
  flush(): void {
    this.scheduled = false;
    this.writeOut();
  }

  // writeOut hands what is queued to the socket; a flush already scheduled for the end of the turn stays scheduled.
  private writeOut(): void {
    this.lastFlags = -1;
    if (this.closed) return;
    this.closeSegment();
    const parts = this.parts;
    if (parts.length === 0) return;
    const bytes = this.bytes;
    this.writeCount++;
    this.frames = 0;
    this.parts = [];
    this.bytes = 0;
    if (parts.length === 1) {
      this.sink.write(parts[0] as Buffer);
    } else if (bytes <= CONCAT_LIMIT) {
      this.sink.write(Buffer.concat(parts, bytes));
    } else {
      this.sink.cork();
      for (const p of parts) this.sink.write(p);
      this.sink.uncork();
    }
  }

  /** close drops anything queued, ignores later frames and wakes writers waiting for a drain. */
  close(): void {
    this.closed = true;
    this.parts = [];
    this.bytes = 0;
    this.lastFlags = -1;
    this.heldCredit = undefined;
    this.wakeDrainWaiters();
  }

  private waitForDrain(): Promise<void> {
    if (this.drained === undefined) {
      this.drained = new Promise((resolve) => {
        this.resolveDrained = resolve;
      });
      // What is queued goes out now: 'drain' follows only a write that found the socket full.
      this.flush();
      if (this.backedUp) this.sink.once('drain', this.onDrainBound);
      else setImmediate(this.onDrainBound);
    }
    return this.drained;
  }

  private onDrain(): void {
    const held = this.heldCredit;
    this.heldCredit = undefined;
    if (held !== undefined && !this.closed) for (const [id, n] of held) this.push(encodeWindowUpdate(id, n));
    this.wakeDrainWaiters();
  }

  private wakeDrainWaiters(): void {
    const resolve = this.resolveDrained;
    this.bytesThisTurn = 0;
    this.drained = undefined;
    this.resolveDrained = undefined;
    resolve?.();
  }

  // reserve makes room for n bytes in the slab and returns where they start.
  // Bytes handed to the socket are never touched again: a full slab is
  // replaced, not reused.
  private reserve(n: number): number {
    if (this.used + n > this.slab.length) {
      this.closeSegment();
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, n));
      this.used = 0;
      this.segmentStart = 0;
    }
    const off = this.used;
    this.used += n;
    this.count(n);
    return off;
  }

  private closeSegment(): void {
    if (this.used === this.segmentStart) return;
    this.parts.push(this.slab.subarray(this.segmentStart, this.used));
    this.segmentStart = this.used;
  }

  // writeMidTurn writes the batch before the turn ends and raises the frames the next mid-turn write waits for.
  private writeMidTurn(): void {
    if (this.flushFrames < FLUSH_FRAMES << MAX_FLUSH_DOUBLINGS) this.flushFrames *= 2;
    this.writeOut();
  }

  private count(n: number): void {
    this.bytes += n;
    this.bytesThisTurn += n;
  }

  private schedule(): void {
    if (this.bytes >= EAGER_LIMIT) {
      this.writeMidTurn();
    } else if (this.frames >= this.flushFrames) {
      // Written once the code that queued this frame has run on: a frame
      // still being finished (END_STREAM set on a request's DATA, trailers
      // behind a reply) then goes with it. Written at once, every 64th call
      // of a client at 64 in flight lost its END_STREAM to a frame of its
      // own, in a write of its own, read by the server on its own: half the
      // calls per syscall on both sides.
      if (!this.midTurnQueued) {
        this.midTurnQueued = true;
        queueMicrotask(this.midTurnBound);
      }
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }
}
