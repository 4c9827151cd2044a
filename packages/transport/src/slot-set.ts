/** Slotted is an object a SlotSet can hold: the set keeps the object's index in `slot` (-1 when in none). */
export interface Slotted {
  slot: number;
}

/**
 * SlotSet is a set of the calls in flight: objects added and removed at the
 * rate calls start and end. It is an array in which each object knows its
 * index; a removed one's place goes to the last.
 *
 * A Set would do the same work, but it rehashes into a new table as entries
 * come and go, and a table it leaves behind points on to the next one and
 * still holds the calls it had. A full GC moves the live table to the old
 * generation; from then on every scavenge finds each later table, and the
 * calls in it, reachable from that dead old one, and promotes them all: an
 * in-process call's garbage filled the old generation and scavenges grew
 * twentyfold, until the next full GC, which started it over.
 */
export class SlotSet<T extends Slotted> {
  private readonly items: T[] = [];

  /** size is how many objects the set holds. */
  get size(): number {
    return this.items.length;
  }

  /** has tells whether item is in this set. */
  has(item: T): boolean {
    const index = item.slot;
    // Bounded first: reading an array out of its range is a slow lookup.
    return index >= 0 && index < this.items.length && this.items[index] === item;
  }

  /** add puts item in the set; an item it holds already stays once. */
  add(item: T): void {
    if (this.has(item)) return;
    item.slot = this.items.length;
    this.items.push(item);
  }

  /** delete takes item out, and tells whether it was there. */
  delete(item: T): boolean {
    if (!this.has(item)) return false;
    const index = item.slot;
    const last = this.items.pop() as T;
    if (last !== item) {
      this.items[index] = last;
      last.slot = index;
    }
    item.slot = -1;
    return true;
  }

  /** values is a copy of what the set holds, so a caller may delete while it walks it. */
  values(): T[] {
    return this.items.slice();
  }
}
