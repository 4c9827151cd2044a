import { isAbsolute, join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { MessageType } from '@tsmicro/core';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { fixtureFiles, fixturesDir, goldenDir } from '../test/fixture-files.js';
import { allMessages, sampleMessage } from '../test/sample-message.js';
import { outputPath, typeIdentifier } from './names.js';

const files = fixtureFiles().filter((f) => !f.includes('/common/'));
const reference = new protobuf.Root();
reference.resolvePath = (_origin, target) => (isAbsolute(target) || target.startsWith('google/') ? target : join(fixturesDir, target));
reference.loadSync(files, { keepCase: false });
reference.resolveAll();

async function generatedType(type: protobuf.Type): Promise<MessageType<object>> {
  const file = type.filename?.startsWith(fixturesDir) ? type.filename.slice(fixturesDir.length + 1) : (type.filename ?? '');
  const module = (await import(join(goldenDir, outputPath(file)))) as Record<string, MessageType<object>>;
  const found = module[typeIdentifier(type)];
  if (found === undefined) throw new Error(`no export ${typeIdentifier(type)} in ${outputPath(file)}`);
  return found;
}

// Decoded bytes fields are Buffers (Uint8Array subclasses, as protobufjs gives them); compare contents.
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('MessageType (generated)', () => {
  const messages = allMessages(reference).filter((t) => t.filename !== undefined && t.filename !== null);

  it('covers the fixture messages', () => {
    expect(messages.length).toBeGreaterThan(10);
  });

  for (const type of messages) {
    it(`encodes ${type.fullName.slice(1)} to protobufjs's bytes and decodes them back`, async () => {
      const generated = await generatedType(type);
      const sample = sampleMessage(type);
      const bytes = generated.encode(sample);
      expect(hex(bytes)).toBe(hex(type.encode(type.fromObject(sample)).finish()));
      expect(plain(generated.decode(bytes))).toEqual(plain(sample));
      expect(generated.typeName).toBe(type.fullName.slice(1));
    });

    it(`round-trips ${type.fullName.slice(1)} through canonical JSON`, async () => {
      const generated = await generatedType(type);
      const sample = sampleMessage(type);
      const json = JSON.parse(JSON.stringify(generated.toJSON(sample))) as unknown;
      expect(hex(generated.encode(generated.fromJSON(json)))).toBe(hex(generated.encode(sample)));
    });
  }
});

describe('service definitions (generated)', () => {
  const loaded = loadSync(files.map((f) => f.slice(fixturesDir.length + 1)), { includeDirs: [fixturesDir] });

  for (const [file, pkgService] of [
    ['greeter.ts', 'greeter.Greeter'],
    ['say.ts', 'say.Say'],
    ['kitchen.ts', 'fixtures.kitchen.Shop'],
  ] as const) {
    it(`serializes ${pkgService} requests and responses exactly as @grpc/proto-loader does`, async () => {
      const module = (await import(join(goldenDir, file))) as Record<string, unknown>;
      const short = pkgService.slice(pkgService.lastIndexOf('.') + 1);
      const definition = module[`${short}Definition`] as {
        methods: Record<string, { name: string; path: string; requestType: MessageType<object>; responseType: MessageType<object> }>;
      };
      const service = loaded[pkgService] as Record<string, { path: string; requestSerialize: (v: object) => Buffer; responseSerialize: (v: object) => Buffer; requestType: { type: { name: string } } }>;
      expect(Object.keys(definition.methods).length).toBe(Object.keys(service).length);
      for (const method of Object.values(definition.methods)) {
        const stock = service[method.name];
        expect(stock, method.name).toBeDefined();
        if (stock === undefined) continue;
        expect(method.path).toBe(stock.path);
        const req = sampleMessage(reference.lookupType(method.requestType.typeName));
        const res = sampleMessage(reference.lookupType(method.responseType.typeName));
        expect(hex(method.requestType.encode(req))).toBe(hex(stock.requestSerialize(req)));
        expect(hex(method.responseType.encode(res))).toBe(hex(stock.responseSerialize(res)));
      }
    });
  }
});
