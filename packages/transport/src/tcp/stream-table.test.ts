import { describe, expect, it } from 'vitest';
import { StreamTable } from './stream-table.js';

interface S {
  readonly id: number;
  readonly tag: string;
}
const s = (id: number, tag = `s${id}`): S => ({ id, tag });

describe('StreamTable', () => {
  it('gets, replaces and deletes streams by id, and counts them', () => {
    const t = new StreamTable<S>();
    expect(t.get(1)).toBeUndefined();
    expect(t.delete(1)).toBe(false);
    t.set(1, s(1)).set(3, s(3));
    expect(t.size).toBe(2);
    expect(t.get(3)?.tag).toBe('s3');
    t.set(3, s(3, 'again'));
    expect(t.size).toBe(2);
    expect(t.get(3)?.tag).toBe('again');
    expect(t.delete(3)).toBe(true);
    expect(t.delete(3)).toBe(false);
    expect(t.get(3)).toBeUndefined();
    expect(t.get(1)?.tag).toBe('s1');
    expect(t.size).toBe(1);
  });

  it('removes a stream only while its id holds that very stream', () => {
    const t = new StreamTable<S>();
    const first = s(5);
    const second = s(5, 'second');
    t.set(5, first).set(7, s(7));
    t.set(5, second);
    expect(t.remove(first)).toBe(false);
    expect(t.get(5)).toBe(second);
    expect(t.remove(s(9))).toBe(false);
    expect(t.remove(second)).toBe(true);
    expect(t.remove(second)).toBe(false);
    expect(t.get(5)).toBeUndefined();
    expect(t.get(7)?.tag).toBe('s7');
    expect(t.size).toBe(1);
  });

  it('refuses a stream under an id that is not its own', () => {
    const t = new StreamTable<S>();
    expect(() => t.set(5, s(7))).toThrow('stream 7 cannot be held under id 5');
    expect(t.size).toBe(0);
  });

  it('lists its streams and iterates them as [id, stream] pairs', () => {
    const t = new StreamTable<S>();
    for (const id of [1, 3, 5]) t.set(id, s(id));
    expect(t.values().map((x) => x.id).sort()).toEqual([1, 3, 5]);
    expect([...t].map(([id, x]) => id === x.id && id).sort()).toEqual([1, 3, 5]);
  });

  it('agrees with a Map over grows, shrinks and deletions in the middle of probe runs', () => {
    const t = new StreamTable<S>();
    const model = new Map<number, S>();
    // Deterministic pseudo-random ids, many of them a multiple of a power of two apart.
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let step = 0; step < 20_000; step++) {
      const r = next();
      const id = r % 3 === 0 ? ((r >>> 4) % 64) * 4096 + 1 : (r >>> 4) % 2000;
      if (r % 5 < 3) {
        t.set(id, s(id));
        model.set(id, s(id));
      } else if (r % 5 === 3) {
        expect(t.delete(id)).toBe(model.delete(id));
      } else {
        // remove() takes the very stream held, as a session forgetting its own does.
        const held = t.get(id);
        expect(held === undefined ? false : t.remove(held)).toBe(model.delete(id));
      }
      if (step % 1000 === 0) {
        for (const k of model.keys()) expect(t.get(k)?.id).toBe(k);
      }
      expect(t.size).toBe(model.size);
    }
    for (let id = 0; id < 2000; id++) expect(t.get(id)?.id).toBe(model.get(id)?.id);
    for (const k of [...model.keys()]) expect(t.delete(k)).toBe(true);
    expect(t.size).toBe(0);
    expect(t.values()).toEqual([]);
  });

  it('holds ten thousand open streams whose ids all differ by a multiple of 2^16', () => {
    const t = new StreamTable<S>();
    const ids = Array.from({ length: 10_000 }, (_, i) => 1 + i * 65_536);
    for (const id of ids) t.set(id, s(id));
    expect(t.size).toBe(10_000);
    for (const id of ids) expect(t.get(id)?.id).toBe(id);
    for (const id of ids) expect(t.delete(id)).toBe(true);
    expect(t.size).toBe(0);
  });
});
