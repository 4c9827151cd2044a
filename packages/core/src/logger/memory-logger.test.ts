import { describe, expect, it } from 'vitest';
import { describeLogger } from './logger-suite.js';
import { MemoryLogger } from './memory-logger.js';
import { noopLogger } from './logger.js';

describeLogger('memory', {
  create(level) {
    const logger = new MemoryLogger(level);
    return {
      logger,
      lines: async () =>
        logger.records.map((r) => ({
          level: r.level,
          msg: r.msg,
          fields: Object.fromEntries(
            Object.entries(r.fields).map(([k, v]) => [k, v instanceof Error ? v.message : String(v)]),
          ),
        })),
    };
  },
});

describe('MemoryLogger', () => {
  it('lists messages by level, children sharing the parent’s records', () => {
    const logger = new MemoryLogger('info');
    logger.child({ a: 1 }).warn({}, 'w');
    logger.info({}, 'i');
    expect(logger.messages()).toEqual(['w', 'i']);
    expect(logger.messages('warn')).toEqual(['w']);
  });
});

describe('noopLogger', () => {
  it('enables no level and its children are itself', () => {
    expect(noopLogger.isLevelEnabled('error')).toBe(false);
    expect(noopLogger.child({ a: 1 })).toBe(noopLogger);
  });
});
