import { describe, expect, it } from 'vitest';
import { runExample } from '../support/run-example.js';

describe('start-up with bad configuration', () => {
  it('stops with an error naming MICRO_TRANSPORT and the accepted values', async () => {
    const exit = await runExample('examples/dist/greeter/server.js', ['--address', '127.0.0.1:0'], { MICRO_TRANSPORT: 'carrier-pigeon' });
    expect(exit.code).not.toBe(0);
    expect(exit.output).not.toContain('LISTENING');
    expect(exit.output).toContain('MICRO_TRANSPORT="carrier-pigeon"');
    expect(exit.output).toContain('grpc, tcp, memory');
  });

  it('stops with an error naming a malformed number and its variable', async () => {
    const exit = await runExample('examples/dist/greeter/server.js', ['--address', '127.0.0.1:0'], { MICRO_POOL_SIZE: '12x' });
    expect(exit.code).not.toBe(0);
    expect(exit.output).toContain('MICRO_POOL_SIZE');
  });
});
