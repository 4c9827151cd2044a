import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { expectGreeterCases } from './support/greeter-cases.js';
import { openResetFlood } from './support/h2-reset-flood.js';
import { helloProbe } from './support/hello-probe.js';
import { type TargetProcess, spawnTarget } from './support/target-process.js';

// More resets than Node's HTTP/2 guard allows on one connection (it answers
// GOAWAY and keeps the socket), so the test shows the sockets are closed
// whichever guard trips first.
const RESETS = 1100;

/** floodWave opens n flooding connections and resolves once the server has closed them all. */
async function floodWave(target: TargetProcess, n: number, attackers: net.Socket[]): Promise<void> {
  const closed: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const s = await openResetFlood(target.address, RESETS);
    attackers.push(s);
    closed.push(new Promise((resolve) => s.once('close', () => resolve())));
  }
  // The attackers never close: a socket that closes was closed by the server.
  await Promise.all(closed);
}

async function waitForFds(target: TargetProcess, atMost: number, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let n = target.fds();
  while (n > atMost && Date.now() < end) {
    await sleep(50);
    n = target.fds();
  }
  return n;
}

// Connections whose HTTP/2 session the server tore down for resetting streams
// must not keep their sockets, even while the peer keeps its end open.
describe('grpc server sockets after reset floods (process level)', () => {
  let target: TargetProcess | undefined;
  const attackers: net.Socket[] = [];

  afterEach(async () => {
    for (const s of attackers.splice(0)) s.destroy();
    await target?.kill();
    target = undefined;
  });

  it('closes the sockets of 50 connections that trip the reset guard', async () => {
    target = await spawnTarget({ transport: 'grpc' });
    await expectGreeterCases(target.address, 'grpc');
    await sleep(200);
    const baseline = target.fds();
    await floodWave(target, 50, attackers);
    const after = await waitForFds(target, baseline, 5000);
    const stats = await target.ask<{ abusiveConnections: number; connections: number }>('stats');
    console.info(`grpc reset floods: fds ${baseline} -> ${after} after 50 flooding connections; ${stats.abusiveConnections} closed for abuse`);
    expect(after).toBeLessThanOrEqual(baseline);
    expect(stats.abusiveConnections).toBe(50);
    expect(stats.connections).toBe(0);
    await expectGreeterCases(target.address, 'grpc');
  }, 120_000);

  it('still takes new clients under a low fd limit after more flooding connections than the limit', async () => {
    target = await spawnTarget({ transport: 'grpc', fdLimit: 200 });
    for (let wave = 0; wave < 5; wave++) await floodWave(target, 50, attackers);
    const fds = await waitForFds(target, 40, 5000);
    console.info(`grpc under ulimit -n 200: server fds ${fds} after 250 flooding connections, all closed by the server`);
    expect(fds).toBeLessThanOrEqual(40);
    const probe = await helloProbe(target.address, 'grpc', 300);
    expect(probe.failed, probe.firstError).toBe(0);
    expect(probe.ok).toBeGreaterThan(0);
    await expectGreeterCases(target.address, 'grpc');
  }, 180_000);
});
