import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, repoFile, runCli } from './support/cli-process.js';
import { type GreeterServer, startGreeter } from './support/greeter-server.js';

let greeter: GreeterServer;

beforeAll(async () => {
  greeter = await startGreeter();
});

afterAll(async () => {
  await greeter.stop();
});

describe('tsmicro list', () => {
  it('lists the services a server handles through reflection', async () => {
    const result = await runCli(['list', greeter.address]);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      'greeter.Greeter',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  it('lists the methods of one service', async () => {
    const result = await runCli(['list', greeter.address, 'greeter.Greeter']);
    expect(lines(result.stdout)).toEqual([
      'greeter.Greeter.SayHello',
      'greeter.Greeter.ServerStream',
      'greeter.Greeter.ClientStream',
      'greeter.Greeter.AllStream',
    ]);
  });

  it('looks in etcd at its default address, as services do, when no registry is configured', async () => {
    // No etcd listens on its default port here: tests start etcd on free ports.
    for (const args of [['list'], ['health', 'shop']]) {
      const result = await runCli([...args, '--timeout', '1s'], undefined, { env: { MICRO_REGISTRY_ADDRESS: '' } });
      expect(result.code).toBe(64 + 14);
      expect(result.stderr).toMatch(/^ERROR: UNAVAILABLE: .*etcd at 127\.0\.0\.1:2379 unreachable.*\(the default: pass --registry-address host:port or set MICRO_REGISTRY_ADDRESS\)$/m);
    }
  });
});

describe('tsmicro describe', () => {
  it('prints a service as .proto text', async () => {
    const result = await runCli(['describe', greeter.address, 'greeter.Greeter']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('greeter.Greeter is a service:');
    expect(result.stdout).toContain('rpc AllStream ( stream .greeter.StreamRequestData ) returns ( stream .greeter.StreamResponseData );');
  });

  it('prints a message with its fields', async () => {
    const result = await runCli(['describe', greeter.address, 'greeter.StreamRequestData']);
    expect(result.stdout).toBe('greeter.StreamRequestData is a message:\nmessage StreamRequestData {\n  string data = 1;\n  int32 count = 2;\n}\n');
  });

  it('describes the health service it serves', async () => {
    const result = await runCli(['describe', greeter.address, 'grpc.health.v1.HealthListResponse']);
    expect(result.stdout).toContain('map<string, .grpc.health.v1.HealthCheckResponse> statuses = 1;');
  });
});

describe('tsmicro health', () => {
  it('prints SERVING and exits 0 for a serving server and service', async () => {
    const whole = await runCli(['health', greeter.address]);
    expect([whole.code, whole.stdout]).toEqual([0, 'SERVING\n']);
    const one = await runCli(['health', greeter.address, 'greeter.Greeter']);
    expect([one.code, one.stdout]).toEqual([0, 'SERVING\n']);
  });

  it('prints NOT_SERVING and exits 1 for a service marked down', async () => {
    greeter.health.setNotServing('greeter.Greeter');
    try {
      const result = await runCli(['health', greeter.address, 'greeter.Greeter']);
      expect([result.code, result.stdout]).toEqual([1, 'NOT_SERVING\n']);
    } finally {
      greeter.health.setServing('greeter.Greeter');
    }
  });

  it('reports NOT_FOUND for a service the server does not have', async () => {
    const result = await runCli(['health', greeter.address, 'no.Such']);
    expect(result.stderr).toBe('ERROR: NOT_FOUND: unknown service no.Such\n');
    expect(result.code).toBe(64 + 5);
  });

  it('fails with a status when nothing listens at the address', async () => {
    // The pool keeps redialling a refused address until the deadline.
    const result = await runCli(['health', '127.0.0.1:1', '--timeout', '1s']);
    expect(result.stderr).toMatch(/^ERROR: (UNAVAILABLE|DEADLINE_EXCEEDED): .*127\.0\.0\.1:1/);
    expect([64 + 4, 64 + 14]).toContain(result.code);
  });
});

describe('tsmicro gen', () => {
  it('runs the generator', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tsmicro-gen-'));
    try {
      const result = await runCli(['gen', '--out', out, repoFile('examples/greeter/greeter.proto')]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(readdirSync(out, { recursive: true }).map(String)).toContain('greeter.ts');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('passes --help through to the generator', async () => {
    const result = await runCli(['gen', '--help']);
    expect(result.stdout).toContain('usage: tsmicro-gen');
  });
});

describe('tsmicro', () => {
  it('prints the command list with --help and rejects an unknown command', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('call <service|host:port>');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
