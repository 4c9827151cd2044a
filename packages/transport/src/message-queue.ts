import { type PendingRead, asIs, parkRead, readAlreadyPending, rethrow, settleRead, settledWith } from './read-with.js';
import type { StatusError } from './status-error.js';
import { ACCEPTED } from './transport.js';

/**
 * MessageQueue is a bounded, single-reader queue of messages with an end and
 * a failure state. push() resolves once the message fits under the
 * high-water mark, so a slow reader slows the writer and memory stays bounded.
 * It is the in-process analogue of a flow-control window.
 */
export class MessageQueue implements PendingRead {
  // The next message while it is the only one queued and none ever waited
  // behind another: a unary call's one request and one reply then cost no
  // array, which is most of what a queue would otherwise allocate. Once a
  // second message waits, both go to items, which serves from then on.
  private first: Uint8Array | undefined;
  private items: (Uint8Array | undefined)[] | undefined;
  private head = 0;
  private ended = false;
  private failure: Error | undefined;
  // The pending read (see PendingRead): internal to the queue, public only for settleRead().
  resolveRead: PendingRead['resolveRead'];
  rejectRead: PendingRead['rejectRead'];
  onReadMessage: PendingRead['onReadMessage'];
  onReadFailure: PendingRead['onReadFailure'];
  readSelf: unknown;
  // Writers waiting for room; made when the first one waits (most queues never fill).
  private writers: Array<{ resolve: () => void; reject: (e: Error) => void }> | undefined;
  // How push hands messages to a waiting reader, in one field as every call
  // has two queues: HANDING while a message waits for a microtask to hand it
  // over, HANDED_OVER when the last read got its message so, and the count
  // of reads after such a hand-over that still waited (in MISSED steps), as
  // in a ping-pong, where deferring only costs: past MAX_MISSED the queue settles at once.
  private deferral = 0;

  constructor(private readonly highWaterMark = 16) {}

  /** length is how many messages wait to be read. */
  get length(): number {
    if (this.first !== undefined) return 1;
    return this.items === undefined ? 0 : this.items.length - this.head;
  }

  /** done tells whether the queue ended or failed. */
  get done(): boolean {
    return this.ended || this.failure !== undefined;
  }

  push(item: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new Error('push after end'));
    let items = this.items;
    if (this.resolveRead !== undefined && (this.deferral & HANDING) === 0) {
      if (this.deferral >= MAX_MISSED * MISSED) {
        settleRead(this, item, undefined);
        return ACCEPTED;
      }
      // A waiting reader gets the message a microtask later, after the
      // writer's own next step: the writer, a message ahead from then on,
      // finds the reader busy and queues, and the reader's next read takes
      // that message at once. Settled now, the reader would resume first
      // and wait again for every message of the stream, each wait a promise
      // with its two settle functions: about an eighth of what a streamed
      // message allocates in process.
      if (items === undefined) this.first = item;
      else items.push(item);
      this.deferral |= HANDING;
      handSoon(this);
      return ACCEPTED;
    }
    if (items === undefined) {
      if (this.first === undefined && this.highWaterMark > 0) {
        this.first = item;
        return ACCEPTED;
      }
      // A second message waits: from now on the queue is its array (a
      // stream's messages then take one path, not a move from field to array each time two wait).
      items = this.items = this.first === undefined ? [] : [this.first];
      this.first = undefined;
    }
    items.push(item);
    if (this.length <= this.highWaterMark) return ACCEPTED;
    return waitForRoom((this.writers ??= []));
  }

  /** shift resolves the next message, null after end(), or rejects after fail(). */
  shift(): Promise<Uint8Array | null> {
    return this.shiftWith(asIs, rethrow, undefined);
  }

  /** shiftWith is shift() with its continuations applied in place (see ReadWith in transport.ts). */
  shiftWith<R, C>(onItem: (this: C, item: Uint8Array | null) => R, onFailure: (this: C, err: StatusError) => unknown, self: C): Promise<R> {
    const item = this.takeNow();
    if (item !== undefined) {
      this.deferral &= ~HANDED_OVER;
      return settledWith(onItem, self, item);
    }
    if (this.failure) return Promise.reject(onFailure.call(self, this.failure as StatusError));
    if (this.ended) return settledWith(onItem, self, null);
    if (this.resolveRead) {
      return Promise.reject(onFailure.call(self, readAlreadyPending()));
    }
    if ((this.deferral & HANDED_OVER) !== 0) this.deferral += MISSED - HANDED_OVER;
    return parkRead(this, onItem, onFailure, self);
  }

  /** handQueued settles the waiting read with what a push queued for it (see push). */
  handQueued(): void {
    this.deferral &= ~HANDING;
    if (!this.resolveRead) return;
    const item = this.takeNow();
    // Taken meanwhile (takeNow) or dropped by fail(): the read gets what comes next, as ever.
    if (item !== undefined) {
      this.deferral |= HANDED_OVER;
      settleRead(this, item, undefined);
    } else if (this.failure) settleRead(this, null, this.failure as StatusError);
    else if (this.ended) settleRead(this, null, undefined);
  }

  /** takeNow takes the next queued message at once; undefined when none is queued. */
  takeNow(): Uint8Array | undefined {
    const first = this.first;
    if (first !== undefined) {
      this.first = undefined;
      this.releaseWriter();
      return first;
    }
    const items = this.items;
    if (items === undefined || items.length === this.head) return undefined;
    const item = items[this.head] as Uint8Array;
    items[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > items.length) {
      items.splice(0, this.head);
      this.head = 0;
    }
    this.releaseWriter();
    return item;
  }

  /** end lets the reader drain what is queued, then see null. */
  end(): void {
    if (this.done) return;
    this.ended = true;
    // A message on its way to the reader is read before the end.
    if (this.resolveRead && (this.deferral & HANDING) === 0) settleRead(this, null, undefined);
  }

  /**
   * fail drops what is queued and rejects the pending reader and writers.
   * keepQueued lets the reader drain queued messages before seeing the error.
   */
  fail(err: Error, keepQueued = false): void {
    if (this.failure) return;
    this.failure = err;
    // Setting an array's length is a runtime call: only done when something waits unread
    // (slots already read hold nothing, as a unary call's one request does once taken).
    if (!keepQueued) {
      this.first = undefined;
      if (this.items !== undefined && this.items.length > this.head) {
        this.items.length = 0;
        this.head = 0;
      }
    }
    if (this.resolveRead && (!keepQueued || (this.deferral & HANDING) === 0)) settleRead(this, null, err as StatusError);
    const writers = this.writers;
    this.writers = undefined;
    if (writers !== undefined) for (const w of writers) w.reject(err);
  }

  private releaseWriter(): void {
    const writers = this.writers;
    if (writers !== undefined && writers.length > 0 && this.length <= this.highWaterMark) writers.shift()?.resolve();
  }
}

// waitForRoom is a writer's wait past the window. Apart from push() so that
// push, called per message, makes no closure context (V8 makes one on every
// entry to a function holding closures).
function waitForRoom(writers: { resolve: () => void; reject: (e: Error) => void }[]): Promise<void> {
  return new Promise((resolve, reject) => writers.push({ resolve, reject }));
}

const HANDING = 1;
const HANDED_OVER = 2;
const MISSED = 4;
/** Reads after a hand-over that still waited, past which a queue stops deferring (see push). */
const MAX_MISSED = 2;

// The queues whose hand-over is due, handed over by one reaction on a
// settled promise (queueMicrotask would make an async resource each time)
// and with no closure per queue.
let due: MessageQueue[] = [];

function handSoon(queue: MessageQueue): void {
  due.push(queue);
  if (due.length === 1) void ACCEPTED.then(handDue);
}

function handDue(): void {
  const queues = due;
  due = [];
  for (const queue of queues) queue.handQueued();
}
