import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { plainObjectConverter } from './proto-object.js';

const schema = `
syntax = "proto3";
package probe;
enum Mood { CALM = 0; GLAD = 1; }
message Leaf { bytes blob = 1; string label = 2; }
message Node {
  string name = 1;
  bytes data = 2;
  int64 big = 3;
  Mood mood = 4;
  Leaf leaf = 5;
  repeated Leaf leaves = 6;
  map<string, Leaf> by_name = 7;
  repeated bytes chunks = 8;
  oneof pick { string text = 9; bytes raw = 10; Leaf other = 11; }
  Node child = 12;
  optional bytes maybe = 13;
}
message Plain { string name = 1; int32 count = 2; }
message Flat { string name = 1; bytes data = 2; int64 big = 3; Mood mood = 4; }
`;

const root = protobuf.parse(schema, { keepCase: true }).root;
root.resolveAll();
const node = root.lookupType('probe.Node');

const optionSets: protobuf.IConversionOptions[] = [
  { defaults: true, longs: String, enums: String, oneofs: true },
  { defaults: true, longs: String, enums: String, arrays: true, objects: true },
];

const bytes = fc.uint8Array({ maxLength: 4 });
const leaf = fc.record({ blob: bytes, label: fc.string({ maxLength: 3 }) }, { requiredKeys: [] });
const pick = fc.oneof(
  fc.constant({}),
  fc.record({ text: fc.string({ maxLength: 3 }) }),
  fc.record({ raw: bytes }),
  fc.record({ other: leaf }),
);
const flat = fc
  .tuple(
    fc.record(
      {
        name: fc.string({ maxLength: 3 }),
        data: bytes,
        big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
        mood: fc.constantFrom('CALM', 'GLAD'),
        leaf,
        leaves: fc.array(leaf, { maxLength: 2 }),
        by_name: fc.dictionary(fc.string({ maxLength: 2 }), leaf, { maxKeys: 2 }),
        chunks: fc.array(bytes, { maxLength: 2 }),
        maybe: bytes,
      },
      { requiredKeys: [] },
    ),
    pick,
  )
  .map(([fields, chosen]) => ({ ...fields, ...chosen }));
const message = fc.tuple(flat, fc.option(flat, { nil: undefined })).map(([outer, child]) => (child ? { ...outer, child } : outer));

// Key order is part of what protobufjs hands out (JSON.stringify, logs), so
// the comparison covers it, at every depth.
function shapeOf(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { buffer: [...value] };
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object') return Object.entries(value).map(([k, v]) => [k, shapeOf(v)]);
  return value;
}

describe('plainObjectConverter', () => {
  it.each(optionSets)('gives what toObject with defaults gives, keys in the same order (%o)', (options) => {
    const convert = plainObjectConverter(node, options);
    fc.assert(
      fc.property(message, (object) => {
        const decoded = node.decode(node.encode(node.fromObject(object)).finish());
        expect(shapeOf(convert(decoded))).toEqual(shapeOf(node.toObject(decoded, options)));
      }),
      { numRuns: 300 },
    );
  });

  // A flat message with every field set is returned as decoded, not copied: the same keys in the same order.
  it.each(optionSets)('gives what toObject gives for flat messages, some fields set or all (%o)', (options) => {
    const type = root.lookupType('probe.Flat');
    const convert = plainObjectConverter(type, options);
    const nonEmpty = fc.uint8Array({ minLength: 1, maxLength: 4 });
    const fields = fc.record(
      {
        name: fc.string({ minLength: 1, maxLength: 3 }),
        data: nonEmpty,
        big: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String),
        mood: fc.constant('GLAD'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fields, (object) => {
        const decoded = type.decode(type.encode(type.fromObject(object)).finish());
        expect(shapeOf(convert(decoded))).toEqual(shapeOf(type.toObject(decoded, options)));
      }),
      { numRuns: 200 },
    );
  });

  it('fills an absent bytes field with a Buffer of its own each time', () => {
    const convert = plainObjectConverter(node, optionSets[0]!);
    const empty = node.decode(new Uint8Array(0));
    const a = convert(empty);
    const b = convert(empty);
    expect(Buffer.isBuffer(a.data) && (a.data as Buffer).length === 0).toBe(true);
    expect(a.data).not.toBe(b.data);
  });

  it('hands types without bytes fields straight to toObject', () => {
    const plain = root.lookupType('probe.Plain');
    const convert = plainObjectConverter(plain, optionSets[0]!);
    expect(convert(plain.decode(plain.encode({ count: 3 }).finish()))).toEqual({ name: '', count: 3 });
  });
});
