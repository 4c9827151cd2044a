import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata, createGrpcTransport, createTcpTransport } from '@tsmicro/transport';
import { helloRequest } from './raw-tcp-peer.js';

/** ProbeResult is what a normal client saw while the server was under attack. */
export interface ProbeResult {
  readonly ok: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** The first failure's message, if any. */
  readonly firstError: string | undefined;
}

/**
 * helloProbe plays a normal client: one SayHello at a time on one connection,
 * every intervalMs for durationMs, each with a 5 s deadline, and reports the
 * latencies. It is light on purpose, so the server's memory is the attack's.
 */
export async function helloProbe(address: string, transport: 'tcp' | 'grpc', durationMs: number, intervalMs = 10): Promise<ProbeResult> {
  const t = transport === 'tcp' ? createTcpTransport() : createGrpcTransport();
  const conn = await t.dial(address);
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const end = Date.now() + durationMs;
  try {
    while (Date.now() < end) {
      const started = performance.now();
      try {
        const s = conn.openStream('/greeter.Greeter/SayHello', new Metadata(), { kind: 'unary', deadline: Date.now() + 5000 });
        await s.write(helloRequest('probe'));
        s.closeSend();
        const reply = await s.read();
        if (reply === null || !Buffer.from(reply).toString('utf8').includes('Hello probe')) throw new Error('wrong reply');
        while ((await s.read()) !== null);
        latencies.push(performance.now() - started);
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
      await sleep(intervalMs);
    }
  } finally {
    await conn.close(0);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { ok: latencies.length, failed, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? Number.NaN, firstError };
}
