import { setTimeout as sleep } from 'node:timers/promises';
import { type CallOptions, type Client, codeName, Metadata, type MethodKind } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterMethods as m, type Req, type Res } from '../support/greeter-proto.js';
import { failure } from '../support/failure.js';
import { spawnPeer } from '../support/peer-process.js';
import { type Served, serve } from '../support/serve.js';
import { Probe } from './conformance-greeter.js';
import { CountingGreeter, Recorder, type Seen } from './interceptor-greeter.js';

const KINDS: readonly MethodKind[] = ['unary', 'server_streaming', 'client_streaming', 'bidi_streaming'];

/** until polls `look` every 10 ms until it returns something, for at most timeoutMs. */
async function until<T>(what: string, look: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const found = look();
    if (found !== undefined) return found;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const endOf = (recorder: Recorder, tag: string): Promise<Seen> => until(`the end of ${tag}`, () => recorder.seen.get(tag));
const arrived = (recorder: Recorder, tag: string, requests = 0): Promise<true> =>
  until(`${tag} to arrive`, () => ((recorder.started.get(tag) ?? -1) >= requests ? true : undefined));

/**
 * openInFlight starts a call of `kind` tagged `tag` and resolves once the
 * handler is at work on it: waiting for ctx.signal, or, for the kinds that
 * stream requests and `reading`, waiting for the next message (where a
 * stream's deadline usually finds its handler). It returns what the caller
 * sees of the call's end.
 */
async function openInFlight(
  client: Client,
  server: Recorder,
  kind: MethodKind,
  tag: string,
  options: CallOptions,
  reading = false,
): Promise<() => Promise<unknown>> {
  const tagged = { ...options, metadata: new Metadata({ 'x-tag': tag }) };
  const first = { data: reading ? 'one' : `hang:${tag}`, count: 0 };
  switch (kind) {
    case 'unary': {
      const call = client.call('greeter', m.sayHello, { name: `hang:${tag}` }, tagged);
      call.catch(() => undefined);
      await arrived(server, tag);
      return () => call;
    }
    case 'server_streaming': {
      const ss = await client.serverStream<Req, Res>('greeter', m.serverStream, { data: `hang:${tag}`, count: 0 }, tagged);
      await ss.recv();
      return () => ss.recv();
    }
    case 'client_streaming': {
      const cs = await client.clientStream<Req, Res>('greeter', m.clientStream, tagged);
      await cs.send(first);
      await arrived(server, tag, 1);
      // Still sending: the reply is awaited without a half close, so only the cancel or deadline ends the call.
      return () => cs.recvMsg();
    }
    default: {
      const bidi = await client.bidiStream<Req, Res>('greeter', m.allStream, tagged);
      await bidi.send(first);
      await bidi.recv();
      return () => bidi.recv();
    }
  }
}

let tags = 0;
const tag = (what: string) => `${what}-${++tags}`;

/**
 * endStatusSuite checks the final status interceptors on both sides hear, for
 * every call kind, when the caller cancels, the deadline passes, or the
 * process on the other side dies mid-call.
 */
export function endStatusSuite(transport: TransportName): void {
  const onServer = new Recorder();
  const onClient = new Recorder();
  let served: Served;
  beforeAll(async () => {
    served = await serve(transport, [new CountingGreeter(new Probe())], { interceptors: [onServer], clientInterceptors: [onClient] });
  });
  afterAll(() => served.close());

  describe.each(KINDS)('a %s call', (kind) => {
    it('ends CANCELLED on both sides when the caller cancels it', async () => {
      const t = tag(`cancel-${kind}`);
      const abort = new AbortController();
      const outcome = await openInFlight(served.client, onServer, kind, t, { signal: abort.signal });
      abort.abort();
      expect(codeName((await failure(outcome())).code)).toBe('CANCELLED');
      const [server, caller] = [await endOf(onServer, t), await endOf(onClient, t)];
      expect([codeName(server.end.code), codeName(caller.end.code)]).toEqual(['CANCELLED', 'CANCELLED']);
      // Server: the call's signal aborts as it ends; client: it is the caller's own cancellation.
      expect([server.aborted, caller.aborted]).toEqual([true, true]);
    });

    it('ends DEADLINE_EXCEEDED on both sides when its deadline passes', async () => {
      const t = tag(`deadline-${kind}`);
      const outcome = await openInFlight(served.client, onServer, kind, t, { timeout: 1_000 }, true);
      expect(codeName((await failure(outcome())).code)).toBe('DEADLINE_EXCEEDED');
      const [server, caller] = [await endOf(onServer, t), await endOf(onClient, t)];
      expect(codeName(caller.end.code)).toBe('DEADLINE_EXCEEDED');
      // grpc-js's client timer resets the stream; the server takes a reset within 50 ms of its own
      // deadline for the deadline, but a request held up longer on a busy machine starts the
      // server's clock later still, and the reset then reads as a cancel. Never as OK.
      const accepted = transport === 'grpc' ? ['DEADLINE_EXCEEDED', 'CANCELLED'] : ['DEADLINE_EXCEEDED'];
      expect(accepted).toContain(codeName(server.end.code));
      // Both sides see the deadline: the server's is the client's, moved by the request's trip.
      expect(caller.deadline).toBeGreaterThan(Date.now() - 10_000);
      expect(Math.abs((server.deadline ?? 0) - (caller.deadline ?? 0))).toBeLessThan(500);
      expect(server.aborted).toBe(true);
    });
  });

  // Another process cannot reach the memory transport: these run over sockets only.
  it.skipIf(transport === 'memory')('ends every kind UNAVAILABLE for the caller when the server process dies', async () => {
    const peer = await spawnPeer('peer-server.mjs', [transport], /LISTENING (\S+)/);
    try {
      const address = (/LISTENING (\S+)/.exec(peer.line) as RegExpExecArray)[1] as string;
      const peerSide = new Recorder();
      const outcomes = new Map<string, () => Promise<unknown>>();
      for (const kind of KINDS) {
        const t = tag(`server-died-${kind}`);
        // The peer's handlers are not intercepted: mark each call as arrived after a moment on the wire.
        peerSide.started.set(t, 1);
        outcomes.set(t, await openInFlight(served.client, peerSide, kind, t, { address }));
      }
      await sleep(200);
      const failures = [...outcomes.values()].map((outcome) => failure(outcome()));
      await peer.kill();
      const callers = await Promise.all(failures);
      const seen = await Promise.all([...outcomes.keys()].map((t) => endOf(onClient, t)));
      expect(callers.map((e) => codeName(e.code))).toEqual(KINDS.map(() => 'UNAVAILABLE'));
      expect(seen.map((s) => codeName(s.end.code))).toEqual(KINDS.map(() => 'UNAVAILABLE'));
    } finally {
      await peer.kill();
    }
  });

  it.skipIf(transport === 'memory')('ends every kind CANCELLED or UNAVAILABLE on the server when the client process dies', async () => {
    const t = tag('client-died');
    const peer = await spawnPeer('peer-client.mjs', [transport, served.address, t, 'every-kind'], /STREAMING/);
    try {
      for (const kind of KINDS) await arrived(onServer, `${t}:${kind}`);
      await peer.kill();
      for (const kind of KINDS) {
        const code = codeName((await endOf(onServer, `${t}:${kind}`)).end.code);
        expect([kind, ['CANCELLED', 'UNAVAILABLE'].includes(code) ? 'ended' : code]).toEqual([kind, 'ended']);
      }
    } finally {
      await peer.kill();
    }
  });
}
