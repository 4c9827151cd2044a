// codec-reflection-vs-static compares the two ways generated code could encode:
// protobufjs reflection (what tsmicro-gen emits: fromObject + encode, decode +
// toObject) and static per-message code on protobufjs's Writer/Reader (what a
// static generator would emit). Run:
// npx tsc -p packages/codegen/bench && node packages/codegen/.bench/codec-reflection-vs-static.js
import protobuf from 'protobufjs';

interface Data {
  data?: string;
  index?: number;
}

const root = protobuf.Root.fromJSON({
  nested: { greeter: { nested: { StreamResponseData: { fields: { data: { type: 'string', id: 1 }, index: { type: 'int32', id: 2 } } } } } },
});
root.resolveAll();
const type = root.lookupType('greeter.StreamResponseData');
const options = { longs: String, enums: String, defaults: true, arrays: true, objects: true };

const reflection = {
  encode: (m: Data): Uint8Array => type.encode(type.fromObject(m)).finish(),
  decode: (b: Uint8Array): Data => type.toObject(type.decode(b), options) as Data,
};

const staticCode = {
  encode(m: Data): Uint8Array {
    const w = protobuf.Writer.create();
    if (m.data !== undefined && m.data !== '') w.uint32(10).string(m.data);
    if (m.index !== undefined && m.index !== 0) w.uint32(16).int32(m.index);
    return w.finish();
  },
  decode(b: Uint8Array): Data {
    const r = protobuf.Reader.create(b);
    const m: Data = { data: '', index: 0 };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) m.data = r.string();
      else if (tag >>> 3 === 2) m.index = r.int32();
      else r.skipType(tag & 7);
    }
    return m;
  },
};

function time(label: string, fn: () => void): void {
  const n = 1_000_000;
  for (let i = 0; i < 100_000; i++) fn();
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ns = ((performance.now() - start) * 1e6) / n;
  console.log(`${label.padEnd(22)} ${ns.toFixed(0)} ns/op`);
}

const message: Data = { data: 'AAPL:42', index: 42 };
const bytes = reflection.encode(message);
time('reflection encode', () => reflection.encode(message));
time('static encode', () => staticCode.encode(message));
time('reflection decode', () => reflection.decode(bytes));
time('static decode', () => staticCode.decode(bytes));
