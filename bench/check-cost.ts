// npm run bench:check: what checking a message before encoding costs, per
// message, beside encoding it. The check is part of every encode; this
// times encode with it (tsmicro's MessageType) and without it (protobufjs's
// fromObject + encode, what the MessageType does after the check).
import { loadProto } from '@tsmicro/core';
import protobuf from 'protobufjs';
import { protoPath } from './bench-impl.js';

const proto = loadProto(protoPath);
const root = protobuf.loadSync(protoPath);

const messages: Record<string, Record<string, unknown>> = {
  'bench.Payload': { data: new Uint8Array(16) },
  'bench.Order': {
    id: 'o-1',
    totalCents: '1999',
    status: 'STATUS_OPEN',
    items: [
      { sku: 'a', quantity: 1 },
      { sku: 'b', quantity: 2 },
    ],
    paid: true,
    ratio: 0.5,
  },
};

// timeFor runs fn for about ms milliseconds and returns nanoseconds per call.
function timeFor(fn: () => void, ms: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const stop = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < stop) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / n;
}

// medians times a and b in alternating rounds after a warm-up of both, so
// drift and the compiler's tiers weigh on them alike.
function medians(a: () => void, b: () => void, ms: number): [number, number] {
  timeFor(a, ms * 2);
  timeFor(b, ms * 2);
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < 7; r++) {
    ra.push(timeFor(a, ms));
    rb.push(timeFor(b, ms));
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[3] as number;
  return [median(ra), median(rb)];
}

const quick = process.argv.includes('--quick');
const ms = quick ? 100 : 400;
console.log('message            encode (checked)  encode (unchecked)  check');
for (const [name, message] of Object.entries(messages)) {
  const checked = proto.message(name);
  const raw = root.lookupType(name);
  const [a, b] = medians(
    () => checked.encode(message),
    () => raw.encode(raw.fromObject(message)).finish(),
    ms,
  );
  console.log(`${name.padEnd(18)} ${a.toFixed(0).padStart(10)} ns ${b.toFixed(0).padStart(15)} ns ${(a - b).toFixed(0).padStart(7)} ns`);
}
