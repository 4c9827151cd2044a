import { describe, expect, it } from 'vitest';
import type { BrokerHandler, BrokerMessage } from './broker.js';
import { HandlerQueue, type Outcome } from './handler-queue.js';
import { eventually } from '../testing/broker-suite.js';

const message = (n: number): BrokerMessage => ({ topic: 't', body: new Uint8Array([n]), headers: {}, deliveryCount: 1 });

function queue(handler: BrokerHandler, inline: boolean, maxInFlight = 4, maxPending = 100_000) {
  const failures: unknown[] = [];
  const q = new HandlerQueue({ handler, maxInFlight, maxPending, inline, onFailure: (err) => failures.push(err) });
  return { q, failures };
}

describe('HandlerQueue', () => {
  it('starts a handler a microtask after offer by default, and inside offer when inline', async () => {
    for (const inline of [false, true]) {
      const started: number[] = [];
      const { q } = queue(async (m) => void started.push(m.body[0] as number), inline);
      q.offer(message(1));
      expect(started).toEqual(inline ? [1] : []);
      await eventually(() => expect(q.stats()).toMatchObject({ handled: 1, inFlight: 0 }));
      expect(started).toEqual([1]);
    }
  });

  it('counts a handler that throws at once as failed and settles it so, in either mode', async () => {
    for (const inline of [false, true]) {
      const outcomes: Outcome[] = [];
      const { q, failures } = queue((m) => {
        if (m.body[0] === 1) throw new Error('at once');
        return Promise.resolve();
      }, inline);
      expect(q.offer(message(1), (o) => outcomes.push(o))).toBe(true);
      q.offer(message(2), (o) => outcomes.push(o));
      await eventually(() => expect(q.stats()).toMatchObject({ handled: 1, failed: 1, inFlight: 0 }));
      expect(outcomes.sort()).toEqual(['failed', 'handled']);
      expect(failures).toEqual([expect.objectContaining({ message: 'at once' })]);
    }
  });

  it('works through a long backlog of handlers that throw at once without deep recursion', async () => {
    const { q, failures } = queue(() => {
      throw new Error('no');
    }, true, 1);
    for (let i = 0; i < 20_000; i++) q.offer(message(i % 256));
    await eventually(() => expect(q.stats()).toMatchObject({ failed: 20_000, inFlight: 0, pending: 0 }));
    expect(failures).toHaveLength(20_000);
  });

  it('keeps at most maxInFlight handlers running when inline, the rest pending in order', async () => {
    const release: Array<() => void> = [];
    const order: number[] = [];
    const { q } = queue((m) => {
      order.push(m.body[0] as number);
      return new Promise<void>((resolve) => release.push(resolve));
    }, true, 2);
    for (let i = 1; i <= 5; i++) q.offer(message(i));
    expect(q.stats()).toMatchObject({ inFlight: 2, pending: 3 });
    expect(order).toEqual([1, 2]);
    for (let i = 0; i < 5; i++) {
      await eventually(() => expect(release.length).toBeGreaterThan(i));
      release[i]!();
    }
    await eventually(() => expect(q.stats()).toMatchObject({ handled: 5, inFlight: 0, pending: 0 }));
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });
});
