import { describe, expect, it } from 'vitest';
import { BrokerError } from './broker-error.js';
import { describeBroker } from '../testing/broker-suite.js';
import { createMemoryBroker, defaultMemoryBroker } from './memory-broker.js';

describeBroker('memory', { create: async (logger) => createMemoryBroker({ logger }) });

describe('MemoryBroker', () => {
  it('refuses durable subscriptions and publishes with an error pointing at NATS', async () => {
    const broker = createMemoryBroker();
    await expect(broker.subscribe('orders.created', async () => {}, { durable: 'billing' })).rejects.toThrow(/MICRO_BROKER=nats/);
    await expect(broker.publish('orders.created', { body: new Uint8Array() }, { durable: true })).rejects.toBeInstanceOf(BrokerError);
  });

  it('hands subscribers a copy, so a publisher reusing its buffer changes nothing delivered', async () => {
    const broker = createMemoryBroker();
    const got: number[] = [];
    await broker.subscribe('buf', async (m) => void got.push(m.body[0] as number));
    // Changed before the handler runs (a microtask later), and before the publish is awaited.
    const buffer = new Uint8Array([1]);
    const first = broker.publish('buf', { body: buffer });
    buffer[0] = 2;
    await first;
    // A Buffer too, whose own slice() would share its memory.
    const nodeBuffer = Buffer.from([3]);
    const second = broker.publish('buf', { body: nodeBuffer });
    nodeBuffer[0] = 4;
    await second;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got).toEqual([1, 3]);
  });

  it('gives each subscriber headers of its own, so one changing them changes nothing another gets', async () => {
    const broker = createMemoryBroker();
    const seen: string[] = [];
    await broker.subscribe('hdr', async (m) => {
      (m.headers as Record<string, string>)['micro-id'] = 'changed';
    });
    await broker.subscribe('hdr', async (m) => void seen.push(m.headers['micro-id'] ?? ''));
    const headers = { 'micro-id': 'original' };
    await broker.publish('hdr', { body: new Uint8Array(), headers });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual(['original']);
    expect(headers['micro-id']).toBe('original');
  });

  it('is one shared broker per process by default', () => {
    expect(defaultMemoryBroker()).toBe(defaultMemoryBroker());
  });
});
