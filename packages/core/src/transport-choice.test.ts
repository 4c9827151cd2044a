import { describe, expect, it, vi } from 'vitest';
import type { Node } from './registry/registry.js';
import { FailedDials, IN_PROCESS, nodeRoutes, routeOf, routesTo } from './transport-choice.js';

const dual: Node = {
  id: 'greeter-1',
  address: '10.0.0.1:5000',
  metadata: { transport: 'grpc', transports: 'grpc,tcp', 'address.grpc': '10.0.0.1:5000', 'address.tcp': '10.0.0.1:5001' },
};
const old: Node = { id: 'greeter-2', address: '10.0.0.2:6000', metadata: { transport: 'tcp' } };

const everything = {
  preference: [IN_PROCESS, 'tcp', 'grpc', 'memory'],
  fallback: 'grpc',
  supports: () => true,
  localAddress: () => undefined,
};

describe('nodeRoutes', () => {
  it('reads every advertised transport of a node in its own order', () => {
    expect([...nodeRoutes(dual, 'grpc')]).toEqual([
      ['grpc', '10.0.0.1:5000'],
      ['tcp', '10.0.0.1:5001'],
    ]);
  });

  it('reads a node of an older version by its one transport, and one naming none by the fallback', () => {
    expect([...nodeRoutes(old, 'grpc')]).toEqual([['tcp', '10.0.0.2:6000']]);
    expect([...nodeRoutes({ id: 'x', address: 'h:1', metadata: {} }, 'memory')]).toEqual([['memory', 'h:1']]);
  });

  it('skips a listed transport without an address rather than dialing nothing', () => {
    const broken: Node = { id: 'y', address: 'h:1', metadata: { transport: 'grpc', transports: 'grpc,tcp', 'address.grpc': 'h:1' } };
    expect([...nodeRoutes(broken, 'grpc')]).toEqual([['grpc', 'h:1']]);
  });
});

describe('routesTo', () => {
  it('orders what both sides have by the client preference', () => {
    expect(routesTo(dual, everything)).toEqual([
      { transport: 'tcp', address: '10.0.0.1:5001' },
      { transport: 'grpc', address: '10.0.0.1:5000' },
    ]);
    expect(routesTo(dual, { ...everything, preference: ['grpc', 'tcp'] })[0]?.transport).toBe('grpc');
  });

  it('leaves out transports the client lacks or does not list', () => {
    expect(routesTo(dual, { ...everything, supports: (t) => t !== 'tcp' })).toEqual([{ transport: 'grpc', address: '10.0.0.1:5000' }]);
    expect(routesTo(old, { ...everything, preference: ['grpc'] })).toEqual([]);
  });

  it('goes in-process first when this process serves the node, and only then', () => {
    const localAddress = (id: string) => (id === dual.id ? 'in-process/greeter-1' : undefined);
    expect(routesTo(dual, { ...everything, localAddress })[0]).toEqual({ transport: 'memory', address: 'in-process/greeter-1' });
    expect(routesTo(old, { ...everything, localAddress })[0]?.transport).toBe('tcp');
    expect(routesTo(dual, { ...everything, localAddress, preference: ['tcp', 'grpc'] })[0]?.transport).toBe('tcp');
  });
});

describe('routeOf', () => {
  it('reads the transport an address names, and the fallback for a bare one', () => {
    expect(routeOf('tcp://127.0.0.1:9000', 'grpc')).toEqual({ transport: 'tcp', address: '127.0.0.1:9000' });
    expect(routeOf('127.0.0.1:9000', 'grpc')).toEqual({ transport: 'grpc', address: '127.0.0.1:9000' });
    expect(routeOf('[::1]:9000', 'tcp')).toEqual({ transport: 'tcp', address: '[::1]:9000' });
  });
});

describe('FailedDials', () => {
  it('passes over a route for the cool-down after its dial failed, for that node only', () => {
    vi.useFakeTimers();
    try {
      const failed = new FailedDials(1_000);
      const tcp = { transport: 'tcp', address: 'h:1' };
      failed.mark('a', tcp);
      expect(failed.cooling('a', tcp)).toBe(true);
      expect(failed.cooling('b', tcp)).toBe(false);
      expect(failed.cooling('a', { transport: 'grpc', address: 'h:1' })).toBe(false);
      vi.advanceTimersByTime(1_001);
      expect(failed.cooling('a', tcp)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stays bounded when many routes fail', () => {
    const failed = new FailedDials(60_000);
    for (let i = 0; i < 5_000; i++) failed.mark(`n${i}`, { transport: 'tcp', address: `h:${i}` });
    expect(failed.cooling('n4999', { transport: 'tcp', address: 'h:4999' })).toBe(true);
    expect(failed.cooling('n0', { transport: 'tcp', address: 'h:0' })).toBe(false);
  });
});
