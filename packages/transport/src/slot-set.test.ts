import { describe, expect, it } from 'vitest';
import { SlotSet, type Slotted } from './slot-set.js';

const item = (name: string): Slotted & { name: string } => ({ name, slot: -1 });

describe('SlotSet', () => {
  it('holds what was added, once, and forgets what was deleted', () => {
    const set = new SlotSet<ReturnType<typeof item>>();
    const [a, b, c] = [item('a'), item('b'), item('c')];
    set.add(a);
    set.add(b);
    set.add(a);
    set.add(c);
    expect(set.size).toBe(3);
    expect(set.values().map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(set.delete(a)).toBe(true);
    expect(set.has(a)).toBe(false);
    expect(a.slot).toBe(-1);
    expect([set.has(b), set.has(c), set.size]).toEqual([true, true, 2]);
    expect(set.values().map((x) => x.name).sort()).toEqual(['b', 'c']);
  });

  it('deletes the last, the first and the only member, and says false for one it lacks', () => {
    const set = new SlotSet<ReturnType<typeof item>>();
    const members = ['a', 'b', 'c', 'd'].map(item);
    for (const m of members) set.add(m);
    expect(set.delete(members[3]!)).toBe(true);
    expect(set.delete(members[0]!)).toBe(true);
    expect(set.delete(members[0]!)).toBe(false);
    expect(set.values().map((x) => x.name).sort()).toEqual(['b', 'c']);
    // Every member still knows where it is: each can be deleted in turn.
    expect(set.delete(members[1]!)).toBe(true);
    expect(set.delete(members[2]!)).toBe(true);
    expect(set.size).toBe(0);
    expect(set.delete(item('never added'))).toBe(false);
  });

  it('leaves alone a member of another set whose slot matches one of its own', () => {
    const mine = new SlotSet<ReturnType<typeof item>>();
    const theirs = new SlotSet<ReturnType<typeof item>>();
    const a = item('a');
    const b = item('b');
    mine.add(a);
    theirs.add(b);
    expect(a.slot).toBe(b.slot);
    expect(mine.has(b)).toBe(false);
    expect(mine.delete(b)).toBe(false);
    expect([mine.size, theirs.size, theirs.has(b)]).toEqual([1, 1, true]);
  });

  it('lets a caller delete members while it walks them', () => {
    const set = new SlotSet<ReturnType<typeof item>>();
    for (const name of ['a', 'b', 'c', 'd', 'e']) set.add(item(name));
    const seen: string[] = [];
    for (const m of set.values()) {
      seen.push(m.name);
      set.delete(m);
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(set.size).toBe(0);
  });

  it('keeps the right members through many interleaved adds and deletes', () => {
    const set = new SlotSet<ReturnType<typeof item>>();
    const live = new Set<ReturnType<typeof item>>();
    for (let i = 0; i < 1000; i++) {
      const m = item(String(i));
      set.add(m);
      live.add(m);
      if (i % 3 === 0) {
        // Delete one from the middle of what is live.
        const victim = [...live][Math.floor(live.size / 2)]!;
        expect(set.delete(victim)).toBe(true);
        live.delete(victim);
      }
    }
    expect(set.size).toBe(live.size);
    expect(new Set(set.values())).toEqual(live);
    for (const m of live) expect(set.has(m)).toBe(true);
  });
});
