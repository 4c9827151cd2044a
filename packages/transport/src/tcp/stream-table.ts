import { randomInt } from 'node:crypto';

const MIN_CAPACITY = 16;
/**
 * A table is not shrunk below this many slots (8 KiB of references): a
 * connection whose calls come and go in batches would otherwise grow and
 * shrink its table with every batch.
 */
const KEEP_CAPACITY = 1024;

/**
 * StreamTable holds a connection's open streams by id, with the part of
 * Map's interface the sessions use. It is open addressing over a
 * power-of-two array of the streams themselves, placed by a multiplicative
 * hash whose odd multiplier each table draws at random: V8's Map hashes
 * small integers without a seed, so a peer choosing its stream ids could
 * pile them into one chain, while here it cannot tell which ids collide.
 * Every call looks its stream up three or four times; this costs no
 * entry object and no hashing beyond one multiplication.
 */
export class StreamTable<S extends { readonly id: number }> implements Iterable<[number, S]> {
  private slots: (S | undefined)[] = new Array(MIN_CAPACITY).fill(undefined);
  private mask = MIN_CAPACITY - 1;
  // 32 - log2(capacity): the hash is the top bits of the product.
  private shift = 32 - Math.log2(MIN_CAPACITY);
  private count = 0;
  private readonly multiplier = (randomInt(0, 2 ** 31) * 2 + 1) | 0;

  /** size counts the streams held. */
  get size(): number {
    return this.count;
  }

  /** get returns the stream of this id, if held. */
  get(id: number): S | undefined {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === undefined || s.id === id) return s;
    }
  }

  /** set holds stream under id (its own id), replacing one held under it. */
  set(id: number, stream: S): this {
    if (stream.id !== id) throw new RangeError(`stream ${stream.id} cannot be held under id ${id}`);
    if ((this.count + 1) * 2 > this.slots.length) this.resize(this.slots.length * 2);
    const slots = this.slots;
    const mask = this.mask;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === undefined) {
        slots[i] = stream;
        this.count++;
        return this;
      }
      if (s.id === id) {
        slots[i] = stream;
        return this;
      }
    }
  }

  /** delete drops the stream of this id; false when none was held. */
  delete(id: number): boolean {
    const i = this.indexOf(id);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** remove drops this very stream, in one probe; false when its id holds no stream or another one. */
  remove(stream: S): boolean {
    const i = this.indexOf(stream.id);
    if (i < 0 || this.slots[i] !== stream) return false;
    this.removeAt(i);
    return true;
  }

  // indexOf is the slot holding id, or -1.
  private indexOf(id: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === undefined) return -1;
      if (s.id === id) return i;
    }
  }

  private removeAt(hole: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hole;
    // Backward-shift deletion: entries after the hole that may move into it
    // do, so every lookup still stops at the first empty slot.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const s = slots[j];
      if (s === undefined) break;
      const k = this.home(s.id);
      // s stays when its home lies cyclically in (i, j].
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!stays) {
        slots[i] = s;
        i = j;
      }
    }
    slots[i] = undefined;
    this.count--;
    if (this.slots.length > KEEP_CAPACITY && this.count * 8 < this.slots.length) this.resize(this.slots.length / 2);
  }

  /** values lists the streams held, in no particular order. */
  values(): S[] {
    return this.slots.filter((s): s is S => s !== undefined);
  }

  *[Symbol.iterator](): Iterator<[number, S]> {
    for (const s of this.values()) yield [s.id, s];
  }

  private home(id: number): number {
    return Math.imul(id, this.multiplier) >>> this.shift;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Array(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.count = 0;
    for (const s of old) if (s !== undefined) this.set(s.id, s);
  }
}
