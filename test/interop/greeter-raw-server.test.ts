import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawGreeterServer, startRawGreeterServer } from '../support/raw-greeter-server.js';
import { runExample } from '../support/run-example.js';
import { type SpawnedExample, spawnExample, strictDrainEnv } from '../support/spawn-example.js';

// The tsmicro greeter client entry point runs every greeter.proto case and
// exits 0 only when all of them pass; it must pass against a stock grpc-js
// server of the same contract exactly as it does against tsmicro's own.
const CLIENT = 'examples/dist/greeter/client.js';

function expectAllPassed(run: { code: number | null; output: string }): void {
  expect(run.output).toMatch(/^\d+ passed, 0 failed$/m);
  expect(run.output).not.toMatch(/^FAIL /m);
  expect(run.code, run.output).toBe(0);
}

describe('greeter example client', () => {
  describe('against a stock grpc-js greeter server', () => {
    let server: RawGreeterServer;
    beforeAll(async () => {
      server = await startRawGreeterServer();
    });
    afterAll(async () => {
      await server?.close();
    });

    it('passes every case of the contract and exits 0', async () => {
      const run = await runExample(CLIENT, ['--address', server.address]);
      expectAllPassed(run);
      expect(run.output).toMatch(/^PASS concurrent_200$/m);
    });
  });

  describe('against the tsmicro greeter server entry point', () => {
    let server: SpawnedExample;
    beforeAll(async () => {
      server = await spawnExample('examples/dist/greeter/server.js', ['--address', '127.0.0.1:0'], strictDrainEnv);
    });
    afterAll(async () => {
      if (!server) return;
      const exit = await server.stop();
      expect(exit.killed, 'the server still held a call at shutdown').toBe(false);
      expect(exit.signal, exit.output).toBeNull();
      expect(exit.code, exit.output).toBe(0);
    });

    it('passes every case of the contract and exits 0', async () => {
      expectAllPassed(await runExample(CLIENT, ['--address', server.address]));
    });
  });
});
