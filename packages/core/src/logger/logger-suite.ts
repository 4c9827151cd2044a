import { describe, expect, it } from 'vitest';
import type { Logger, LogLevel } from './logger.js';

/** LoggedLine is one written line as a harness reads it back; an error field reads as its message. */
export interface LoggedLine {
  readonly level: string;
  readonly msg: string;
  /** Every field, bound ones included, as text. */
  readonly fields: Readonly<Record<string, string>>;
}

/** LoggerHarness is what describeLogger needs to know about one implementation. */
export interface LoggerHarness {
  /** create returns a logger at `level` and a way to read back what it wrote. */
  create(level: LogLevel): { readonly logger: Logger; lines(): Promise<LoggedLine[]> };
}

/** describeLogger runs the Logger contract over one implementation. */
export function describeLogger(name: string, harness: LoggerHarness): void {
  describe(`Logger contract: ${name}`, () => {
    it('writes a line at or above its level with the message and fields', async () => {
      const { logger, lines } = harness.create('info');
      logger.debug({ n: 1 }, 'hidden');
      logger.info({ service: 'greeter', port: 5000 }, 'listening');
      logger.warn({}, 'careful');
      logger.error({ code: 'UNAVAILABLE' }, 'failed');
      const got = await lines();
      expect(got.map((l) => [l.level, l.msg])).toEqual([
        ['info', 'listening'],
        ['warn', 'careful'],
        ['error', 'failed'],
      ]);
      expect(got[0]?.fields).toMatchObject({ service: 'greeter', port: '5000' });
      expect(got[2]?.fields).toMatchObject({ code: 'UNAVAILABLE' });
    });

    it('answers isLevelEnabled as it filters', () => {
      const { logger } = harness.create('warn');
      expect(logger.isLevelEnabled('info')).toBe(false);
      expect(logger.isLevelEnabled('warn')).toBe(true);
      expect(logger.isLevelEnabled('error')).toBe(true);
    });

    it('writes nothing at level silent', async () => {
      const { logger, lines } = harness.create('silent');
      logger.error({}, 'dropped');
      logger.child({ a: 1 }).error({}, 'dropped too');
      expect(logger.isLevelEnabled('error')).toBe(false);
      expect(await lines()).toEqual([]);
    });

    it('binds a child’s fields to its lines only, the call’s own fields winning', async () => {
      const { logger, lines } = harness.create('trace');
      const child = logger.child({ service: 'greeter', node: 'n1' });
      child.child({ node: 'n2' }).trace({ method: 'SayHello' }, 'call');
      child.info({ node: 'n3' }, 'own field wins');
      logger.info({}, 'parent');
      const got = await lines();
      expect(got.map((l) => l.msg)).toEqual(['call', 'own field wins', 'parent']);
      expect(got[0]?.fields).toMatchObject({ service: 'greeter', node: 'n2', method: 'SayHello' });
      expect(got[1]?.fields).toMatchObject({ service: 'greeter', node: 'n3' });
      expect(got[2]?.fields.service).toBeUndefined();
    });

    it('keeps a child at its parent’s level', async () => {
      const { logger, lines } = harness.create('warn');
      const child = logger.child({ a: 'b' });
      child.info({}, 'hidden');
      child.warn({}, 'shown');
      expect(child.isLevelEnabled('info')).toBe(false);
      expect((await lines()).map((l) => l.msg)).toEqual(['shown']);
    });

    it('writes an error under err with its message, and text with spaces and quotes intact', async () => {
      const { logger, lines } = harness.create('info');
      logger.error({ err: new TypeError('bad "thing" = broken') }, 'handler failed: x y');
      const [line] = await lines();
      expect(line?.msg).toBe('handler failed: x y');
      expect(line?.fields.err).toBe('bad "thing" = broken');
    });
  });
}
