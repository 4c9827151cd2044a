import type { CallOptions, Client, Node } from '@tsmicro/core';
import { greeterMethods, type Hello, type Reply } from '../support/greeter-proto.js';

/** CallOutcome is one finished call: the node its last attempt went to, and the error if it failed. */
export interface CallOutcome {
  readonly node: Node | undefined;
  readonly error: unknown;
  /** When the last attempt picked its node (ms since the epoch). */
  readonly pickedAt: number;
}

/** sayHello calls greeter.SayHello by name and reports which node answered. */
export async function sayHello(client: Client, name: string, options: CallOptions = {}): Promise<CallOutcome> {
  let node: Node | undefined;
  let pickedAt = 0;
  const onNode = (n: Node) => {
    node = n;
    pickedAt = Date.now();
  };
  try {
    const reply = await client.call<Hello, Reply>('greeter', greeterMethods.sayHello, { name }, { ...options, onNode });
    if (reply.message !== `Hello ${name}`) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    return { node, error: undefined, pickedAt };
  } catch (error) {
    return { node, error, pickedAt };
  }
}

/** callMany makes `count` SayHello calls, `concurrency` at a time, and returns every outcome. */
export async function callMany(client: Client, count: number, concurrency: number, options: CallOptions = {}): Promise<CallOutcome[]> {
  const outcomes: CallOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      outcomes.push(await sayHello(client, `n${i}`, options));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/**
 * callUntil keeps `concurrency` callers busy until `done` resolves, then
 * returns every outcome: load that runs while a test kills or stops a node.
 */
export async function callUntil(client: Client, done: Promise<unknown>, concurrency: number, options: CallOptions = {}): Promise<CallOutcome[]> {
  const outcomes: CallOutcome[] = [];
  let finished = false;
  void done.finally(() => (finished = true));
  let i = 0;
  const worker = async () => {
    while (!finished) outcomes.push(await sayHello(client, `u${i++}`, options));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** countByAddress counts the successful outcomes per node address. */
export function countByAddress(outcomes: readonly CallOutcome[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    if (o.error !== undefined || !o.node) continue;
    counts.set(o.node.address, (counts.get(o.node.address) ?? 0) + 1);
  }
  return counts;
}

/** waitFor polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** sleep waits `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
