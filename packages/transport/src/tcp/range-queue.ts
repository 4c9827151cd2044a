// The ranges are a ring of power-of-two capacity, so that a position wraps with a mask.
const INITIAL_CAPACITY = 16;
// Emptied, a ring larger than this goes back to its initial size: a stream
// that once fell far behind does not keep a window's worth of slots for
// the rest of its life.
const KEPT_CAPACITY = 1024;
// Largest ranges array kept as the spare (see `spare`): a ring of 65,536 messages, 768 KiB.
const SPARE_MAX_LENGTH = 3 * 65_536;
// The chunk list drops the entries it is done with once this many have piled up before its head.
const CHUNKS_COMPACTED_AT = 64;

// The ranges of a large ring whose queue emptied, kept for the next queue
// that grows: streams that fall behind one after another (client streams
// in a row) then grow once each, not a dozen times, and each growth was a
// fresh zeroed allocation the collector counts as external memory.
let spare: Int32Array | undefined;

/**
 * RangeQueue is a first-in, first-out queue of received messages, each
 * held as the range of the bytes it arrived in, bytes[start, end), with the
 * window credit it returns once read.
 *
 * A reader that falls behind queues up to a window's worth of messages,
 * tens of thousands when they are small, so a queued message costs no
 * object and no slot in a JavaScript array of its own. A view per message
 * made as many young objects, which every scavenge copied and then
 * promoted; and pushing to an array got several times dearer per element
 * past some 16,000 elements. Both made each message dearer to a reader
 * already behind, which could keep it behind. So ranges and credits sit in a
 * typed array, and the bytes they lie in are listed once per chunk, with
 * how many queued messages lie in each: the messages of one socket read
 * share one entry.
 */
export class RangeQueue {
  // start, end and credit of the message in slot i, at 3i, 3i + 1 and 3i + 2.
  private ranges: Int32Array;
  private mask: number;
  private head: number;
  private count: number;
  // The chunks queued messages lie in, oldest first from chunkHead, and how many lie in each.
  private readonly chunks: (Uint8Array | undefined)[];
  private readonly perChunk: number[];
  private chunkHead: number;

  constructor() {
    this.ranges = new Int32Array(3 * INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
    this.head = 0;
    this.count = 0;
    this.chunks = [];
    this.perChunk = [];
    this.chunkHead = 0;
  }

  /** length is how many messages wait. */
  get length(): number {
    return this.count;
  }

  /** push queues the message bytes[start, end), whose reading returns `credit`. */
  push(bytes: Uint8Array, start: number, end: number, credit: number): void {
    if (this.count > this.mask) this.grow();
    const at = 3 * ((this.head + this.count) & this.mask);
    const ranges = this.ranges;
    ranges[at] = start;
    ranges[at + 1] = end;
    ranges[at + 2] = credit;
    this.count++;
    const last = this.chunks.length - 1;
    if (last >= this.chunkHead && this.chunks[last] === bytes) {
      (this.perChunk[last] as number)++;
    } else {
      this.chunks.push(bytes);
      this.perChunk.push(1);
    }
  }

  /** The bytes the oldest message lies in; only while length > 0. */
  get bytes(): Uint8Array {
    return this.chunks[this.chunkHead] as Uint8Array;
  }

  /** Where the oldest message starts in `bytes`. */
  get start(): number {
    return this.ranges[3 * this.head] as number;
  }

  /** Where the oldest message ends in `bytes`. */
  get end(): number {
    return this.ranges[3 * this.head + 1] as number;
  }

  /** The credit reading the oldest message returns. */
  get credit(): number {
    return this.ranges[3 * this.head + 2] as number;
  }

  /** shift drops the oldest message, letting go of its chunk once no queued message lies there. */
  shift(): void {
    const c = this.chunkHead;
    const left = (this.perChunk[c] as number) - 1;
    this.perChunk[c] = left;
    if (left === 0) {
      this.chunks[c] = undefined;
      this.chunkHead = c + 1;
    }
    this.count--;
    if (this.count > 0) {
      this.head = (this.head + 1) & this.mask;
      // A reader that never quite catches up never empties the queue: drop the done entries now and then.
      if (this.chunkHead >= CHUNKS_COMPACTED_AT) this.compactChunks();
      return;
    }
    this.head = 0;
    this.chunks.length = 0;
    this.perChunk.length = 0;
    this.chunkHead = 0;
    if (this.mask >= KEPT_CAPACITY) {
      if (this.ranges.length <= SPARE_MAX_LENGTH && (spare === undefined || spare.length < this.ranges.length)) spare = this.ranges;
      this.ranges = new Int32Array(3 * INITIAL_CAPACITY);
      this.mask = INITIAL_CAPACITY - 1;
    }
  }

  private compactChunks(): void {
    this.chunks.splice(0, this.chunkHead);
    this.perChunk.splice(0, this.chunkHead);
    this.chunkHead = 0;
  }

  // grow at least doubles the ring, unwrapping it so that the oldest message sits in slot 0.
  private grow(): void {
    const capacity = this.mask + 1;
    let ranges: Int32Array;
    if (spare !== undefined && spare.length >= 6 * capacity) {
      ranges = spare;
      spare = undefined;
    } else {
      ranges = new Int32Array(6 * capacity);
    }
    ranges.set(this.ranges.subarray(3 * this.head), 0);
    ranges.set(this.ranges.subarray(0, 3 * this.head), 3 * (capacity - this.head));
    this.ranges = ranges;
    this.mask = ranges.length / 3 - 1;
    this.head = 0;
  }
}
