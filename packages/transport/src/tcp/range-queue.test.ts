import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeQueue } from './range-queue.js';

interface Range {
  bytes: Uint8Array;
  start: number;
  end: number;
  credit: number;
}

// oldest is the queue's oldest message, its bytes checked for identity, not compared byte by byte.
function oldest(q: RangeQueue, expected: Range | undefined): Omit<Range, 'bytes'> {
  expect(q.bytes).toBe(expected?.bytes);
  return { start: q.start, end: q.end, credit: q.credit };
}

function without(r: Range | undefined): Omit<Range, 'bytes'> | undefined {
  return r === undefined ? undefined : { start: r.start, end: r.end, credit: r.credit };
}

describe('RangeQueue', () => {
  it('hands messages back in order through growth, wrapping and emptying, as a plain array would', () => {
    const chunks = [new Uint8Array(8), new Uint8Array(64), new Uint8Array(65_536)];
    // A run of pushes (true) and shifts (false); shifts on an empty queue are skipped.
    const ops = fc.array(fc.oneof(fc.constant(true), fc.constant(false), fc.integer({ min: 1, max: 300 })), { maxLength: 200 });
    fc.assert(
      fc.property(ops, (run) => {
        const q = new RangeQueue();
        const model: Range[] = [];
        let n = 0;
        const push = () => {
          // Runs of seven messages share a chunk, as the messages of one socket read do.
          const r = { bytes: chunks[Math.floor(n / 7) % 3] as Uint8Array, start: n, end: n + (n % 17), credit: 9 + (n % 17) };
          n++;
          q.push(r.bytes, r.start, r.end, r.credit);
          model.push(r);
        };
        for (const op of run) {
          // A number pushes that many at once, enough to grow the ring many times over.
          if (typeof op === 'number') for (let i = 0; i < op; i++) push();
          else if (op) push();
          else if (model.length > 0) {
            const r = model.shift();
            expect(oldest(q, r)).toEqual(without(r));
            q.shift();
          }
          expect(q.length).toBe(model.length);
        }
        while (model.length > 0) {
          const r = model.shift();
          expect(oldest(q, r)).toEqual(without(r));
          q.shift();
        }
        expect(q.length).toBe(0);
      }),
    );
  });

  it('keeps ranges and credits up to the largest a stream may carry', () => {
    const q = new RangeQueue();
    const bytes = new Uint8Array(1);
    q.push(bytes, 2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31 - 1);
    expect([q.bytes, q.start, q.end, q.credit]).toEqual([bytes, 2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31 - 1]);
  });

  it('works on after a large queue empties and goes back to its first size', () => {
    const q = new RangeQueue();
    const bytes = new Uint8Array(4);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40_000; i++) q.push(bytes, i, i + 1, round);
      const starts: number[] = [];
      const credits = new Set<number>();
      for (let i = 0; i < 40_000; i++) {
        starts.push(q.start);
        credits.add(q.credit);
        q.shift();
      }
      expect(starts).toEqual(Array.from({ length: 40_000 }, (_, i) => i));
      expect([...credits]).toEqual([round]);
      expect(q.length).toBe(0);
    }
  });

  it('stays small while a reader trails by a message and never lets the queue empty', () => {
    const q = new RangeQueue();
    const fresh = (i: number) => new Uint8Array([i & 0xff]);
    q.push(fresh(0), 0, 1, 0);
    for (let i = 1; i < 20_000; i++) {
      // Every message in a chunk of its own: the worst case for the chunk list.
      q.push(fresh(i), 0, 1, i);
      expect(q.credit).toBe(i - 1);
      q.shift();
    }
    expect(q.length).toBe(1);
    // Reached into on purpose: nothing public shows how many chunk entries are kept.
    const kept = (q as unknown as { chunks: unknown[] }).chunks.length;
    expect(kept).toBeLessThanOrEqual(65);
  });
});
