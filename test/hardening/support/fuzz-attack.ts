import net from 'node:net';
import fc from 'fast-check';
import { type FuzzInput, PREFACE, fuzzConnectionBytes, fuzzInput } from './tcp-fuzz.js';

/** FuzzAttackOptions size one attack. */
export interface FuzzAttackOptions {
  /** Inputs to send in all. */
  readonly inputs: number;
  /** Largest number of inputs one connection carries (each gets 1..this many). */
  readonly perConnection: number;
  /** Connections in flight at once. */
  readonly concurrency: number;
  readonly seed: number;
  /** The attack stops early, with what it sent, once this much time has passed. */
  readonly maxMs: number;
}

/** FuzzAttackResult says what was sent. */
export interface FuzzAttackResult {
  readonly inputs: number;
  readonly connections: number;
  readonly ms: number;
}

// How long one attacking connection may stay open waiting for the server to close it.
const LINGER_MS = 300;
// Inputs drawn from fast-check at a time.
const CHUNK = 5000;

/**
 * fuzzAttack opens connections to a tcp server and writes fuzzed frames on
 * each. Half the connections send the preface and their frames in one write
 * (the frames then arrive with the preface); the other half send the frames a
 * moment later. Every connection reads what the server answers and half-closes
 * after writing; it is destroyed after LINGER_MS if the server keeps it open.
 */
export async function fuzzAttack(address: string, o: FuzzAttackOptions): Promise<FuzzAttackResult> {
  const [host, port] = address.split(':') as [string, string];
  const started = Date.now();
  let sent = 0;
  let connections = 0;
  // Inputs are drawn in chunks (drawing per connection costs fast-check far
  // more); connection sizes come from a small seeded generator.
  let pool: FuzzInput[] = [];
  let chunk = 0;
  let rand = o.seed >>> 0 || 1;
  const nextSize = (): number => {
    rand ^= rand << 13;
    rand ^= rand >>> 17;
    rand ^= rand << 5;
    return 1 + ((rand >>> 0) % o.perConnection);
  };
  const take = (n: number): FuzzInput[] => {
    if (pool.length < n) pool = pool.concat(fc.sample(fuzzInput, { numRuns: CHUNK, seed: o.seed + chunk++ }));
    return pool.splice(0, n);
  };
  const one = async (): Promise<void> => {
    const inputs = take(Math.min(nextSize(), o.inputs - sent));
    sent += inputs.length;
    connections++;
    const frames = fuzzConnectionBytes(inputs);
    const together = (connections & 1) === 0;
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host, port: Number(port) });
      const timer = setTimeout(() => socket.destroy(), LINGER_MS);
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.resume();
      socket.on('connect', () => {
        if (together) {
          socket.end(Buffer.concat([PREFACE, frames]));
          return;
        }
        socket.write(PREFACE);
        setImmediate(() => socket.end(frames));
      });
    });
  };
  const worker = async (): Promise<void> => {
    while (sent < o.inputs && Date.now() - started < o.maxMs) await one();
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return { inputs: sent, connections, ms: Date.now() - started };
}
