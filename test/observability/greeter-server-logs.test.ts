import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exampleEnv, repoRoot } from '../support/example-process.js';

// The greeter server entry point must print LISTENING first on standard output
// whatever the logging configuration: tools wait for that line.
async function firstStdoutThenStop(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['examples/dist/greeter/server.js', '--address', '127.0.0.1:0'], {
    cwd: repoRoot,
    env: exampleEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (stdout.includes('\n')) resolve();
    });
    void closed.then(() => resolve());
  });
  child.kill('SIGTERM');
  await closed;
  clearTimeout(timer);
  return { stdout, stderr };
}

describe('greeter:server logging', () => {
  it('prints LISTENING first on stdout and logfmt lifecycle lines on stderr by default', async () => {
    const { stdout, stderr } = await firstStdoutThenStop({});
    expect(stdout.split('\n')[0]).toMatch(/^LISTENING 127\.0\.0\.1:\d+$/);
    expect(stderr).toMatch(/level=info msg=listening service=greeter version=latest node=greeter-\S+ address=127\.0\.0\.1:\d+ transport=grpc/);
    expect(stderr).toMatch(/msg=stopped service=greeter/);
  });

  it('prints LISTENING first on stdout with MICRO_LOG=pino, pino JSON lines on stderr', async () => {
    const { stdout, stderr } = await firstStdoutThenStop({ MICRO_LOG: 'pino', MICRO_LOG_CALLS: 'true', MICRO_TRANSPORT: 'tcp' });
    expect(stdout.split('\n')[0]).toMatch(/^LISTENING 127\.0\.0\.1:\d+$/);
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number; service: string });
    expect(lines.map((l) => l.msg)).toEqual(['listening', 'registered', 'deregistered', 'draining', 'stopped']);
    expect(lines.every((l) => l.level === 30 && l.service === 'greeter')).toBe(true);
  });

  it('stays quiet on stderr at MICRO_LOG_LEVEL=warn', async () => {
    const { stdout, stderr } = await firstStdoutThenStop({ MICRO_LOG_LEVEL: 'warn' });
    expect(stdout.split('\n')[0]).toMatch(/^LISTENING /);
    expect(stderr).toBe('');
  });
});
