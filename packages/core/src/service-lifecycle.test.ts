import { describe, expect, it } from 'vitest';
import { MemoryLogger } from './logger/memory-logger.js';
import { newService } from './micro.js';
import { createMemoryRegistry } from './registry/memory-registry.js';
import { RegistryError } from './registry/registry-error.js';
import type { Registry } from './registry/registry.js';

const noEnv = { env: {}, file: false } as const;

describe('newService lifecycle lines', () => {
  it('logs listening, registered, deregistered, draining and stopped with name, version, node and address', async () => {
    const logger = new MemoryLogger('info');
    const service = newService(
      { name: 'orders', version: '1.2.0', transport: 'tcp', server: { address: '127.0.0.1:0' }, registryInstance: createMemoryRegistry(), logger },
      noEnv,
    );
    const bound = await service.start();
    await service.stop();
    expect(logger.messages()).toEqual(['listening', 'registered', 'deregistered', 'draining', 'stopped']);
    const node = logger.records[0]?.fields.node as string;
    expect(node).toMatch(/^orders-[0-9a-f-]{36}$/);
    for (const r of logger.records) {
      expect(r.fields).toMatchObject({ service: 'orders', version: '1.2.0', node, address: bound });
    }
    expect(logger.records[0]?.fields.transport).toBe('tcp');
    expect(logger.records[1]?.fields.registry).toBe('memory');
  });

  it('logs nothing below its level: log.level warn keeps a clean start and stop quiet', async () => {
    const logger = new MemoryLogger('warn');
    const service = newService({ name: 'quiet', transport: 'memory', registryInstance: createMemoryRegistry(), logger }, noEnv);
    await service.start();
    await service.stop();
    expect(logger.records).toEqual([]);
  });

  it('warns when deregistering fails and still drains and stops', async () => {
    const logger = new MemoryLogger('info');
    const registry: Registry = Object.assign(createMemoryRegistry(), {
      deregister: async () => {
        throw new RegistryError('registry went away');
      },
    });
    const service = newService({ name: 'orphan', transport: 'memory', registryInstance: registry, logger }, noEnv);
    await service.start();
    await service.stop();
    expect(logger.messages()).toEqual(['listening', 'registered', 'could not deregister; the node expires with its TTL', 'draining', 'stopped']);
    expect(logger.records[2]).toMatchObject({ level: 'warn', fields: { err: 'registry went away' } });
  });

  it('logs an error line when registering fails, and start rejects with the registry’s error', async () => {
    const logger = new MemoryLogger('info');
    const registry: Registry = Object.assign(createMemoryRegistry(), {
      register: async () => {
        throw new RegistryError('registry refused');
      },
    });
    const service = newService({ name: 'refused', transport: 'memory', registryInstance: registry, logger }, noEnv);
    await expect(service.start()).rejects.toThrow('registry refused');
    expect(logger.messages()).toEqual(['listening', 'stopped: could not register']);
    expect(logger.records[1]?.level).toBe('error');
  });

  it('takes its level from MICRO_LOG_LEVEL when no logger is given', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => lines.push(chunk)) as typeof process.stderr.write;
    try {
      const service = newService({ name: 'env-level', transport: 'memory', registryInstance: createMemoryRegistry() }, {
        env: { MICRO_LOG_LEVEL: 'warn' },
        file: false,
      });
      await service.start();
      await service.stop();
      const loud = newService({ name: 'env-level', transport: 'memory', registryInstance: createMemoryRegistry() }, {
        env: { MICRO_LOG_LEVEL: 'info' },
        file: false,
      });
      await loud.start();
      await loud.stop();
    } finally {
      process.stderr.write = write;
    }
    expect(lines.filter((l) => l.includes('service=env-level')).map((l) => /msg=(\S+)/.exec(l)?.[1])).toEqual([
      'listening',
      'registered',
      'deregistered',
      'draining',
      'stopped',
    ]);
  });
});
