/** Timed is what a DeadlineList holds: something to expire at `deadlineAt`, linked in place (no entry object). */
export interface Timed {
  deadlineAt: number;
  prevTimed: Timed | undefined;
  nextTimed: Timed | undefined;
  timedIn: DeadlineList | undefined;
  expire(): void;
}

// One list per timeout length: items of one length, armed as time goes on,
// come in deadline order, so each is appended and the head expires first.
const lists = new Map<number, DeadlineList>();

/**
 * How far apart, in ms left, two items may be and still share a list. The
 * ms left of one timeout's calls is the timeout less the time since the
 * deadline was set, which is 0 or 1 ms, now and then 2: keyed exactly, one
 * timeout kept two or three lists and timers. An item a ms or two early in
 * a list is placed by add()'s walk back, past at most the items armed in
 * the last ms or two, and the list's timer follows its head, so no item
 * expires late.
 */
const SHARED_MS = 2;

// listFor finds the list of ms left, or of a neighbour within SHARED_MS, or makes one.
function listFor(ms: number): DeadlineList {
  let list = lists.get(ms);
  for (let d = 1; list === undefined && d <= SHARED_MS; d++) list = lists.get(ms + d) ?? lists.get(ms - d);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list;
}

/**
 * armDeadline expires `item` at its deadline, `ms` from now (ms > 0). Calls
 * of a service share their timeout, so they share one list and one Node
 * timer rather than a Timeout object each: a timer per call was a
 * measurable share of an in-process call that has a deadline.
 */
export function armDeadline(item: Timed, deadline: number, ms: number): void {
  item.deadlineAt = deadline;
  listFor(ms).add(item);
}

/** disarmDeadline forgets an armed item; one not armed is left alone. */
export function disarmDeadline(item: Timed): void {
  item.timedIn?.remove(item);
}

/**
 * DeadlineList is a list of items in deadline order with one timer, armed
 * for its head. The timer keeps the process alive only while the list holds
 * something, as a Timeout per item would.
 */
export class DeadlineList {
  private head: Timed | undefined;
  private tail: Timed | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;

  constructor(private readonly ms: number) {}

  add(item: Timed): void {
    item.timedIn = this;
    // Deadlines come from the wall clock: one set back may arrive out of order, and is placed by walking back.
    let after = this.tail;
    while (after !== undefined && after.deadlineAt > item.deadlineAt) after = after.prevTimed;
    item.prevTimed = after;
    item.nextTimed = after === undefined ? this.head : after.nextTimed;
    if (item.nextTimed === undefined) this.tail = item;
    else item.nextTimed.prevTimed = item;
    if (after === undefined) this.head = item;
    else after.nextTimed = item;
    if (this.timer === undefined) this.arm(item.deadlineAt - Date.now());
    else if (item.deadlineAt < this.timerAt) this.arm(item.deadlineAt - Date.now());
    else if (this.head === item) this.timer.ref();
  }

  remove(item: Timed): void {
    const { prevTimed, nextTimed } = item;
    if (prevTimed === undefined) this.head = nextTimed;
    else prevTimed.nextTimed = nextTimed;
    if (nextTimed === undefined) this.tail = prevTimed;
    else nextTimed.prevTimed = prevTimed;
    item.prevTimed = item.nextTimed = item.timedIn = undefined;
    // Empty: the timer stays (it fires and finds nothing) but no longer holds the process open.
    if (this.head === undefined) this.timer?.unref();
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = Date.now() + Math.max(ms, 0);
    this.timer = setTimeout(() => this.fire(), Math.max(ms, 1));
  }

  private fire(): void {
    this.timer = undefined;
    const now = Date.now();
    let item = this.head;
    while (item !== undefined && item.deadlineAt <= now) {
      this.remove(item);
      item.expire();
      item = this.head;
    }
    if (this.head !== undefined) this.arm(this.head.deadlineAt - now);
    else if (lists.get(this.ms) === this) lists.delete(this.ms);
  }
}
