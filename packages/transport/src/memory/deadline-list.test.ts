import { afterEach, describe, expect, it } from 'vitest';
import { armDeadline, disarmDeadline, type Timed } from './deadline-list.js';

interface Item extends Timed {
  readonly name: string;
  expiredAt: number | undefined;
}

const expired: string[] = [];

function item(name: string): Item {
  const it: Item = {
    name,
    expiredAt: undefined,
    deadlineAt: 0,
    prevTimed: undefined,
    nextTimed: undefined,
    timedIn: undefined,
    expire() {
      expect(it.expiredAt).toBeUndefined();
      it.expiredAt = Date.now();
      expired.push(name);
    },
  };
  return it;
}

// arm expires `it` ms from now, as a call with that deadline does.
function arm(it: Item, ms: number, now = Date.now()): void {
  armDeadline(it, now + ms, ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const held: Item[] = [];

afterEach(() => {
  for (const it of held) disarmDeadline(it);
  held.length = 0;
  expired.length = 0;
});

describe('DeadlineList', () => {
  it('expires each item once, in deadline order, not before its deadline', async () => {
    const items = ['a', 'b', 'c'].map(item);
    held.push(...items);
    const start = Date.now();
    for (const [i, it] of items.entries()) arm(it, 40, start + i * 15);
    await sleep(130);
    expect(expired).toEqual(['a', 'b', 'c']);
    for (const it of items) expect(it.expiredAt as number).toBeGreaterThanOrEqual(it.deadlineAt);
    expect(items.every((it) => it.timedIn === undefined)).toBe(true);
  });

  it('never expires a disarmed item, and disarming twice or never armed does nothing', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(item) as [Item, Item, Item];
    held.push(a, b, c);
    arm(a, 30);
    arm(b, 30);
    disarmDeadline(a);
    disarmDeadline(a);
    disarmDeadline(c);
    await sleep(80);
    expect(expired).toEqual(['b']);
  });

  it('expires an item given an earlier deadline than those before it (a clock set back) at its own deadline', async () => {
    const [late, early] = ['late', 'early'].map(item) as [Item, Item];
    held.push(late, early);
    const now = Date.now();
    armDeadline(late, now + 200, 50);
    armDeadline(early, now + 30, 50);
    await sleep(100);
    expect(expired).toEqual(['early']);
    expect(late.timedIn).toBeDefined();
  });

  it('shares one timer between items a ms or two apart, each still expiring in deadline order, and not further apart', async () => {
    const before = timers();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [Item, Item, Item, Item];
    held.push(a, b, c, d);
    const now = Date.now();
    armDeadline(a, now + 40, 40);
    // Armed after a, yet due 2 ms sooner: it goes before a in their shared list.
    armDeadline(b, now + 38, 38);
    armDeadline(c, now + 41, 41);
    expect(timers()).toBe(before + 1);
    armDeadline(d, now + 45, 45);
    expect(timers()).toBe(before + 2);
    await sleep(120);
    expect(expired).toEqual(['b', 'a', 'c', 'd']);
    for (const it of [a, b, c, d]) expect(it.expiredAt as number).toBeGreaterThanOrEqual(it.deadlineAt);
  });

  it('holds the process open only while something is armed', async () => {
    const before = timers();
    const [a, b] = ['a', 'b'].map(item) as [Item, Item];
    held.push(a, b);
    arm(a, 5_000);
    arm(b, 5_000);
    expect(timers()).toBe(before + 1);
    disarmDeadline(a);
    expect(timers()).toBe(before + 1);
    disarmDeadline(b);
    expect(timers()).toBe(before);
    arm(a, 5_000);
    expect(timers()).toBe(before + 1);
  });
});
