import { expect } from 'vitest';
import { runExample } from '../../support/run-example.js';

/** expectGreeterCases runs the greeter example client against address over transport and expects every case to pass. */
export async function expectGreeterCases(address: string, transport: 'tcp' | 'grpc'): Promise<void> {
  const run = await runExample('examples/dist/greeter/client.js', ['--address', address], { MICRO_TRANSPORT: transport });
  expect(run.output).toMatch(/\d+ passed, 0 failed/);
  expect(run.code).toBe(0);
}
