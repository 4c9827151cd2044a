import { type Client, Code, createMemoryRegistry, isMicroError, type Node } from '@tsmicro/core';
import {
  createClient,
  createSelector,
  createServer,
  type MemoryRegistry,
  type RegistrySelector,
  type Server,
  type Strategy,
  transportByName,
} from '@tsmicro/core/plugin';
import { createPool } from '@tsmicro/transport';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { greeterMethods, type Hello, type Reply, type Req, type Res } from '../support/greeter-proto.js';
import { type Behaviour, ScriptedGreeter } from './scripted-greeter.js';
import { closedPort } from '../support/closed-port.js';

// Always the first node the selector offers: registration order, minus the ejected ones.
const firstNode: Strategy = () => (nodes) => nodes[0] as Node;

interface Cluster {
  readonly client: Client;
  readonly selector: RegistrySelector;
  readonly handlers: ScriptedGreeter[];
  close(): Promise<void>;
}

let open: Cluster | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

/**
 * cluster serves one ScriptedGreeter per behaviour over tcp, registers them
 * (after `deadNodes` that listen nowhere) as the nodes of "greeter", and
 * returns a client calling by name through a selector.
 */
async function cluster(behaviours: Behaviour[], options: { deadNodes?: number; retries?: number; backoffMs?: number } = {}): Promise<Cluster> {
  const transport = transportByName('tcp');
  const servers: Server[] = [];
  const handlers: ScriptedGreeter[] = [];
  const nodes: Node[] = [];
  for (let i = 0; i < (options.deadNodes ?? 0); i++) {
    nodes.push({ id: `dead${i}`, address: `127.0.0.1:${await closedPort()}`, metadata: { transport: 'tcp' } });
  }
  for (const [i, behaviour] of behaviours.entries()) {
    const server = createServer({ transport, address: '127.0.0.1:0', onHandlerError: () => {} });
    const handler = new ScriptedGreeter(`s${i}`, behaviour);
    server.handle(handler);
    nodes.push({ id: `s${i}`, address: await server.start(), metadata: { transport: 'tcp' } });
    servers.push(server);
    handlers.push(handler);
  }
  const registry: MemoryRegistry = createMemoryRegistry();
  await registry.register({ name: 'greeter', version: '1', metadata: {}, endpoints: [], nodes });
  const selector = createSelector({ registry, strategy: firstNode });
  const client = createClient({
    transport,
    connections: createPool(transport),
    selector,
    retries: options.retries ?? 2,
    retryBackoff: { initialMs: options.backoffMs ?? 1, maxMs: Math.max(5, options.backoffMs ?? 1), multiplier: 2 },
  });
  open = {
    client,
    selector,
    handlers,
    async close() {
      await client.close();
      selector.close();
      await Promise.all(servers.map((s) => s.stop(0)));
      await registry.close();
    },
  };
  return open;
}

async function hello(client: Client, options: { idempotent?: boolean; retries?: number; timeout?: number } = {}, method = greeterMethods.sayHello) {
  const nodes: string[] = [];
  try {
    const reply = await client.call<Hello, Reply>('greeter', method, { name: 'x' }, { ...options, onNode: (n) => nodes.push(n.id) });
    return { nodes, reply, error: undefined };
  } catch (error) {
    return { nodes, reply: undefined, error };
  }
}

const codeOf = (err: unknown) => (isMicroError(err) ? err.code : undefined);

describe('createClient with a selector', () => {
  it('retries a call whose connection failed before sending on the next node, even when it is not idempotent', async () => {
    const { client } = await cluster(['ok'], { deadNodes: 1 });
    const first = await hello(client);
    expect(first.error).toBeUndefined();
    expect(first.reply?.message).toBe('Hello x from s0');
    expect(first.nodes).toEqual(['dead0', 's0']);
    // The dead node was marked, so the next call skips it.
    expect((await hello(client)).nodes).toEqual(['s0']);
  });

  it('does not retry a call that failed with UNAVAILABLE after it was sent unless it is idempotent', async () => {
    const { client, handlers } = await cluster(['unavailable', 'ok']);
    const plain = await hello(client);
    expect(codeOf(plain.error)).toBe(Code.UNAVAILABLE);
    expect(plain.nodes).toEqual(['s0']);
    expect(handlers[1]?.handled).toBe(0);
  });

  it('retries an UNAVAILABLE call on another node when the call option says idempotent', async () => {
    const { client } = await cluster(['unavailable', 'ok']);
    const retried = await hello(client, { idempotent: true });
    expect(retried.error).toBeUndefined();
    expect(retried.nodes).toEqual(['s0', 's1']);
  });

  it('retries an UNAVAILABLE call on another node when the method definition says idempotent', async () => {
    const { client } = await cluster(['unavailable', 'ok']);
    const retried = await hello(client, {}, { ...greeterMethods.sayHello, idempotent: true });
    expect(retried.error).toBeUndefined();
    expect(retried.nodes).toEqual(['s0', 's1']);
  });

  it('neither retries nor ejects a node that answered with an application error', async () => {
    const { client, selector } = await cluster(['invalid', 'ok']);
    const mark = vi.spyOn(selector, 'mark');
    const failed = await hello(client, { idempotent: true });
    expect(codeOf(failed.error)).toBe(Code.INVALID_ARGUMENT);
    expect(failed.nodes).toEqual(['s0']);
    await vi.waitFor(() => expect(mark).toHaveBeenCalled());
    expect(mark.mock.calls.every((call) => call.length === 1 || call[1] === undefined)).toBe(true);
    expect((await hello(client)).nodes).toEqual(['s0']);
  });

  it('ejects a node that failed with UNAVAILABLE, so the next call goes elsewhere', async () => {
    const { client, selector } = await cluster(['unavailable', 'ok']);
    const mark = vi.spyOn(selector, 'mark');
    await hello(client);
    expect(mark.mock.calls.some(([node, err]) => node.id === 's0' && isMicroError(err) && err.code === Code.UNAVAILABLE)).toBe(true);
    expect((await hello(client)).nodes).toEqual(['s1']);
  });

  it('makes at most 1 + retries attempts, and per-call retries override the client', async () => {
    const { client } = await cluster([], { deadNodes: 3, retries: 2 });
    const all = await hello(client);
    expect(codeOf(all.error)).toBe(Code.UNAVAILABLE);
    expect(all.nodes).toHaveLength(3);
    const none = await hello(client, { retries: 0 });
    expect(none.nodes).toHaveLength(1);
  });

  it('does not start a retry whose backoff would outlast the deadline', async () => {
    const { client } = await cluster(['ok'], { deadNodes: 1, retries: 5, backoffMs: 5_000 });
    const started = Date.now();
    const result = await hello(client, { timeout: 1_000 });
    expect(codeOf(result.error)).toBe(Code.UNAVAILABLE);
    expect(result.nodes).toEqual(['dead0']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('never retries a stream after it was handed out, but marks its node when it fails', async () => {
    const { client, handlers } = await cluster(['unavailable', 'ok']);
    const nodes: string[] = [];
    const stream = await client.bidiStream<Req, Res>('greeter', greeterMethods.allStream, {
      idempotent: true,
      onNode: (n) => nodes.push(n.id),
    });
    await stream.send({ data: 'a', count: 1 });
    const err = await stream.recv().catch((e: unknown) => e);
    expect(codeOf(err)).toBe(Code.UNAVAILABLE);
    expect(nodes).toEqual(['s0']);
    expect(handlers[1]?.handled).toBe(0);
    await vi.waitFor(async () => expect((await hello(client)).nodes).toEqual(['s1']));
  });

  it('fails with UNAVAILABLE naming the service when no node is registered, without retrying', async () => {
    const { client } = await cluster(['ok']);
    const nodes: string[] = [];
    const err = await client
      .call('nobody', greeterMethods.sayHello, { name: 'x' }, { onNode: (n) => nodes.push(n.id) })
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe(Code.UNAVAILABLE);
    expect(String(err)).toContain('nobody');
    expect(nodes).toEqual([]);
  });
});
