import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeLogger, type LoggedLine } from '../../core/src/logger/logger-suite.js';
import { createPinoLogger } from './pino-logger.js';

const labels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' };

function readPino(line: string): LoggedLine {
  const { level, msg, time: _time, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
  const fields = Object.fromEntries(
    Object.entries(rest).map(([k, v]) => [k, k === 'err' ? String((v as { message: string }).message) : String(v)]),
  );
  return { level: labels[level as number] ?? String(level), msg: String(msg), fields };
}

function capture(): { stream: { write(s: string): void }; lines: string[] } {
  const lines: string[] = [];
  return { stream: { write: (s: string) => void lines.push(s) }, lines };
}

describeLogger('pino', {
  create(level) {
    const { stream, lines } = capture();
    const logger = createPinoLogger({ level, destination: stream, pretty: false });
    return { logger, lines: async () => lines.map(readPino) };
  },
});

describe('createPinoLogger', () => {
  it('writes one JSON object per line with pino’s numeric level, time and the error’s stack', () => {
    const { stream, lines } = capture();
    createPinoLogger({ destination: stream, pretty: false }).error({ err: new Error('boom') }, 'failed');
    const line = JSON.parse(lines[0] as string) as { level: number; time: number; err: { stack: string; type: string } };
    expect(line.level).toBe(50);
    expect(typeof line.time).toBe('number');
    expect(line.err.type).toBe('Error');
    expect(line.err.stack).toContain('Error: boom');
  });

  it('pretty-prints through pino-pretty when asked, into the given stream', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createPinoLogger({ destination: sink as never, pretty: true });
    logger.info({ service: 'greeter' }, 'listening');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = chunks.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('listening');
    expect(text).toContain('service: "greeter"');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('writes JSON, not pretty lines, in auto mode when the destination is not a terminal', () => {
    const { stream, lines } = capture();
    createPinoLogger({ destination: stream }).info({}, 'plain');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ msg: 'plain', level: 30 });
  });
});
