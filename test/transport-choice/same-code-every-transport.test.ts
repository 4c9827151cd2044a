import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExample } from '../support/run-example.js';
import { type SpawnedExample, spawnExample } from '../support/spawn-example.js';

// The greeter's server and client entry points are the same code whatever the
// transport: only configuration (environment or micro.config.json) changes.
const server = 'examples/dist/greeter/server.js';
const client = 'examples/dist/greeter/client.js';

async function checkerPasses(address: string, env: Record<string, string>): Promise<string> {
  const exit = await runExample(client, ['--address', address], env, 60_000);
  expect(exit.output).toMatch(/^\d+ passed, 0 failed$/m);
  expect(exit.code).toBe(0);
  return exit.output;
}

describe('one greeter, every transport', () => {
  const running: SpawnedExample[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const s of running) expect((await s.stop()).code).toBe(0);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('passes every greeter case over tcp chosen by MICRO_TRANSPORT', async () => {
    const s = await spawnExample(server, ['--address', '127.0.0.1:0'], { MICRO_TRANSPORT: 'tcp' });
    running.push(s);
    await checkerPasses(s.address, { MICRO_TRANSPORT: 'tcp' });
  }, 90_000);

  it('passes every greeter case over tcp chosen by a micro.config.json, and a grpc client cannot call it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmicro-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'micro.config.json'), JSON.stringify({ transport: 'tcp' }));
    const configFile = join(dir, 'micro.config.json');
    const s = await spawnExample(server, ['--address', '127.0.0.1:0'], { MICRO_CONFIG_FILE: configFile });
    running.push(s);
    await checkerPasses(s.address, { MICRO_CONFIG_FILE: configFile });
    // Proof the file chose tcp: a grpc client does not get through.
    const grpc = await runExample(client, ['--address', s.address], { MICRO_TRANSPORT: 'grpc' }, 60_000);
    expect(grpc.code).not.toBe(0);
  }, 120_000);

  it('runs the npm start demo over memory, tcp and grpc unchanged', async () => {
    for (const transport of ['', 'tcp', 'grpc']) {
      const exit = await runExample('examples/dist/greeter/demo.js', [], transport ? { MICRO_TRANSPORT: transport } : {}, 30_000);
      expect(exit.code, exit.output).toBe(0);
      expect(exit.output).toContain(`greeter listening on ${transport || 'memory'}://`);
      expect(exit.output).toContain('done: all four call kinds served.');
    }
  }, 90_000);
});
