import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, serverAvailable } from '@tsmicro/core/testing';
import { freePort } from '@tsmicro/core/testing';
import { TestNats } from '../../packages/broker-nats/src/test-nats.js';
import { pubScript, type SubscriberProcess, spawnSubscriber } from '../support/events-process.js';
import { runExample } from '../support/run-example.js';

const hasNats = serverAvailable('nats-server');

describe.skipIf(!hasNats)('events:sub and events:pub over NATS, in separate processes', () => {
  let nats: TestNats;
  let env: Record<string, string>;
  const subs: SubscriberProcess[] = [];
  beforeAll(async () => {
    nats = await TestNats.launch({ jetstream: true });
    env = { MICRO_BROKER: 'nats', MICRO_BROKER_ADDRESS: nats.address };
  });
  afterEach(async () => {
    for (const s of subs.splice(0)) await s.stop();
  });
  afterAll(async () => {
    await nats?.destroy();
  });
  const sub = async (args: string[]) => {
    const s = await spawnSubscriber(args, env);
    subs.push(s);
    return s;
  };
  const pub = (args: string[]) => runExample(pubScript, args, env);
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`).sort();

  it('delivers every event published by one process to a subscriber process, which drains and exits 0 on SIGTERM', async () => {
    const s = await sub(['--topic', 'proc.pair']);
    const published = await pub(['--topic', 'proc.pair', '--count', '200', '--prefix', 'p']);
    expect(published.output).toContain('PUBLISHED 200');
    expect(published.code).toBe(0);
    await eventually(() => expect(s.got().sort()).toEqual(ids('p', 200)));
    const exit = await s.stop();
    expect(exit).toMatchObject({ code: 0, killed: false });
  });

  it('splits a queue group over three processes: each gets a share, none gets a message another got', async () => {
    const members = [await sub(['--topic', 'proc.group', '--queue', 'workers']), await sub(['--topic', 'proc.group', '--queue', 'workers']), await sub(['--topic', 'proc.group', '--queue', 'workers'])];
    const watcher = await sub(['--topic', 'proc.group']);
    expect((await pub(['--topic', 'proc.group', '--count', '600', '--prefix', 'q'])).code).toBe(0);
    await eventually(() => expect(members.flatMap((m) => m.got()).sort()).toEqual(ids('q', 600)));
    // The subscriber outside the group gets every one.
    await eventually(() => expect(watcher.got().sort()).toEqual(ids('q', 600)));
    for (const m of members) expect(m.got().length).toBeGreaterThan(0);
    expect(new Set(members.flatMap((m) => m.got())).size).toBe(600);
  });

  it('publishes durably through JetStream, acked, to a durable subscriber started later', async () => {
    // The consumer is made first, then stopped: what is published meanwhile waits in the stream.
    const first = await sub(['--topic', 'proc.durable', '--durable', 'keeper']);
    expect((await first.stop()).code).toBe(0);
    subs.splice(subs.indexOf(first), 1);
    const published = await pub(['--topic', 'proc.durable', '--count', '500', '--durable', '--prefix', 'd']);
    expect(published).toMatchObject({ code: 0 });
    expect(published.output).toContain('PUBLISHED 500');
    const late = await sub(['--topic', 'proc.durable', '--durable', 'keeper']);
    await eventually(() => expect(late.got().sort()).toEqual(ids('d', 500)));
  });

  it('exits non-zero naming the address when the broker is unreachable', async () => {
    const port = await freePort();
    const badEnv = { MICRO_BROKER: 'nats', MICRO_BROKER_ADDRESS: `127.0.0.1:${port}`, MICRO_BROKER_TIMEOUT: '1s' };
    const published = await runExample(pubScript, ['--topic', 'proc.none', '--count', '1'], badEnv);
    expect(published.code).not.toBe(0);
    expect(published.output).toContain(`127.0.0.1:${port}`);
    expect(published.output).toContain('MICRO_BROKER_ADDRESS');
    await expect(spawnSubscriber(['--topic', 'proc.none'], badEnv)).rejects.toThrow(new RegExp(`exited with 1[\\s\\S]*127\\.0\\.0\\.1:${port}`));
  });

  it('rejects bad arguments with exit code 2', async () => {
    expect((await pub(['--topic', 'proc.args'])).code).toBe(2);
    expect((await pub(['--count', '3'])).code).toBe(2);
  });
});
