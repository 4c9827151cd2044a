import { describe, expect, it } from 'vitest';
import { MessageQueue } from './message-queue.js';
import { Code } from './status.js';
import { StatusError } from './status-error.js';
import { ACCEPTED } from './transport.js';

const msg = (n: number) => new Uint8Array([n]);
const values = (items: (Uint8Array | undefined | null)[]) => items.map((m) => (m == null ? m : m[0]));

describe('MessageQueue', () => {
  it('keeps order whether a message waits alone or behind others, and takes new ones once drained', async () => {
    const q = new MessageQueue(16);
    expect(q.push(msg(1))).toBe(ACCEPTED);
    expect(q.length).toBe(1);
    expect(q.push(msg(2))).toBe(ACCEPTED);
    expect(q.push(msg(3))).toBe(ACCEPTED);
    expect(q.length).toBe(3);
    expect(values([q.takeNow(), q.takeNow()])).toEqual([1, 2]);
    q.push(msg(4));
    expect(values([q.takeNow(), q.takeNow(), q.takeNow()])).toEqual([3, 4, undefined]);
    // Drained after its array was made: later messages keep their order too.
    q.push(msg(5));
    q.push(msg(6));
    q.end();
    expect(values([await q.shift(), await q.shift(), await q.shift()])).toEqual([5, 6, null]);
  });

  it('holds the writer past its window until the reader takes one', async () => {
    const q = new MessageQueue(2);
    for (let i = 0; i < 2; i++) expect(q.push(msg(i))).toBe(ACCEPTED);
    let released = false;
    const held = q.push(msg(2)).then(() => {
      released = true;
    });
    await Promise.resolve();
    expect(released).toBe(false);
    expect(q.takeNow()?.[0]).toBe(0);
    await held;
    expect(released).toBe(true);
    expect(values([q.takeNow(), q.takeNow(), q.takeNow()])).toEqual([1, 2, undefined]);
  });

  it('hands a waiting reader its message a microtask after the push, so the writer runs a message ahead', async () => {
    const q = new MessageQueue(16);
    const steps: string[] = [];
    const read = q.shift().then((m) => steps.push(`read ${m?.[0]}`));
    expect(q.push(msg(1))).toBe(ACCEPTED);
    expect(q.length).toBe(1);
    // The writer's next step comes before the reader's: its message then waits, and the next read takes it at once.
    await Promise.resolve();
    steps.push('writer');
    expect(q.push(msg(2))).toBe(ACCEPTED);
    await read;
    expect(steps).toEqual(['writer', 'read 1']);
    expect(q.length).toBe(1);
    expect((await q.shift())?.[0]).toBe(2);
    // A reader that waits again is handed the next message as the first was.
    const again = q.shift();
    q.push(msg(3));
    expect((await again)?.[0]).toBe(3);
  });

  it('settles a waiting reader at once when deferring did not put the writer ahead, as in a ping-pong', async () => {
    const q = new MessageQueue(16);
    for (let i = 0; i < 2; i++) {
      const read = q.shift();
      q.push(msg(i));
      expect(q.length).toBe(1);
      expect((await read)?.[0]).toBe(i);
    }
    // Twice the read after a hand-over still waited: the queue stops deferring.
    const read = q.shift();
    q.push(msg(2));
    expect(q.length).toBe(0);
    expect((await read)?.[0]).toBe(2);
  });

  it('a message on its way to a waiting reader is read before an end or a kept failure, and dropped with the queue', async () => {
    const err = new StatusError(Code.CANCELLED, 'gone');
    const ended = new MessageQueue(16);
    const first = ended.shift();
    ended.push(msg(1));
    ended.end();
    expect(values([await first, await ended.shift()])).toEqual([1, null]);

    const kept = new MessageQueue(16);
    const before = kept.shift();
    kept.push(msg(1));
    kept.fail(err, true);
    expect((await before)?.[0]).toBe(1);
    await expect(kept.shift()).rejects.toBe(err);

    const dropped = new MessageQueue(16);
    const lost = dropped.shift();
    dropped.push(msg(1));
    dropped.fail(err);
    await expect(lost).rejects.toBe(err);

    // Taken by takeNow on its way: the waiting read gets what comes next.
    const taken = new MessageQueue(16);
    const next = taken.shift();
    taken.push(msg(1));
    expect(taken.takeNow()?.[0]).toBe(1);
    await Promise.resolve();
    taken.push(msg(2));
    expect((await next)?.[0]).toBe(2);
  });

  it('releases every waiting writer, one per message taken, whether that message waited alone or not', async () => {
    const q = new MessageQueue(1);
    q.push(msg(1));
    const released: number[] = [];
    const waits = [2, 3, 4].map((n) => q.push(msg(n)).then(() => released.push(n)));
    for (let i = 0; i < 4; i++) q.takeNow();
    await Promise.resolve();
    expect(released).toEqual([2, 3]);
    // Drained with a writer still waiting: the next message waits alone, and taking it releases the writer.
    q.push(msg(5));
    expect(q.takeNow()?.[0]).toBe(5);
    await Promise.resolve();
    expect(released).toEqual([2, 3, 4]);
    await Promise.all(waits);
  });

  it('a queue with no window holds every writer until a read', async () => {
    const q = new MessageQueue(0);
    const written = q.push(msg(1));
    expect(written).not.toBe(ACCEPTED);
    expect(q.takeNow()?.[0]).toBe(1);
    await written;
  });

  it('fail drops what waits, alone or not, unless asked to keep it, and rejects later pushes and reads', async () => {
    const err = new StatusError(Code.CANCELLED, 'gone');
    const alone = new MessageQueue(16);
    alone.push(msg(1));
    alone.fail(err);
    expect(alone.length).toBe(0);
    await expect(alone.shift()).rejects.toBe(err);
    await expect(alone.push(msg(2))).rejects.toBe(err);

    const kept = new MessageQueue(16);
    kept.push(msg(1));
    kept.push(msg(2));
    kept.fail(err, true);
    expect(values([await kept.shift(), await kept.shift()])).toEqual([1, 2]);
    await expect(kept.shift()).rejects.toBe(err);

    const keptAlone = new MessageQueue(16);
    keptAlone.push(msg(7));
    keptAlone.fail(err, true);
    expect((await keptAlone.shift())?.[0]).toBe(7);
    await expect(keptAlone.shift()).rejects.toBe(err);
  });

  it('refuses a push after end and a second pending read', async () => {
    const q = new MessageQueue(16);
    const first = q.shift();
    await expect(q.shift()).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
    q.end();
    expect(await first).toBeNull();
    await expect(q.push(msg(1))).rejects.toThrow('push after end');
  });
});
