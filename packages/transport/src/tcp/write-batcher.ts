/** ByteSink is the part of a socket the batcher writes to. */
export interface ByteSink {
  write(chunk: Uint8Array): unknown;
  cork(): void;
  uncork(): void;
}

/** Batches larger than this are written buffer by buffer (writev) rather than joined. */
const CONCAT_LIMIT = 256 * 1024;
/** Past this many bytes queued in one turn, writers are asked to wait for the next turn. */
const YIELD_BYTES = 256 * 1024;
/** Past this many queued bytes the batch is written at once instead of waiting for the end of the turn. */
const EAGER_LIMIT = 1024 * 1024;

/**
 * WriteBatcher collects every buffer produced during one event-loop turn and
 * hands them to the socket as one write at the end of the turn (setImmediate),
 * so many small frames cost one syscall. Small batches are joined with one
 * copy; large ones go out through cork/uncork (writev) without copying.
 */
export class WriteBatcher {
  private parts: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;
  private closed = false;
  private readonly flushBound = (): void => this.flush();
  private turn: Promise<void> | undefined;
  private bytesThisTurn = 0;

  constructor(private readonly sink: ByteSink) {}

  /** push queues a buffer for the next flush. */
  push(buf: Buffer): void {
    if (this.closed) return;
    this.parts.push(buf);
    this.bytes += buf.length;
    this.bytesThisTurn += buf.length;
    if (this.bytes >= EAGER_LIMIT) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /**
   * busy tells whether this event-loop turn has queued enough bytes that a
   * writer should let the loop run: on loopback socket.write() rarely pushes
   * back, and a send loop whose writes all resolve at once would otherwise
   * starve the reads (resets, window updates, pings) that arrive meanwhile.
   */
  get busy(): boolean {
    return this.bytesThisTurn >= YIELD_BYTES;
  }

  /** nextTurn resolves once the event loop has run, shared by every writer of this turn. */
  nextTurn(): Promise<void> {
    this.turn ??= new Promise((resolve) =>
      setImmediate(() => {
        this.turn = undefined;
        this.bytesThisTurn = 0;
        resolve();
      }),
    );
    return this.turn;
  }

  /** last returns the most recently queued, not yet written buffer. */
  last(): Buffer | undefined {
    return this.parts[this.parts.length - 1];
  }

  /** flush writes what is queued now. */
  flush(): void {
    this.scheduled = false;
    const parts = this.parts;
    if (parts.length === 0 || this.closed) return;
    const bytes = this.bytes;
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

  /** close drops anything queued and ignores later pushes. */
  close(): void {
    this.closed = true;
    this.parts = [];
    this.bytes = 0;
  }
}
