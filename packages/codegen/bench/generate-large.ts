// generate-large times the generator on a 100-service, 500-message .proto.
// Run: npx tsc -b packages/codegen && npx tsc -p packages/codegen/bench && node packages/codegen/.bench/generate-large.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../dist/index.js';

const services = 100;
const messages = 500;

function largeProto(): string {
  const lines = ['syntax = "proto3";', 'package bench.large;', 'import "google/protobuf/timestamp.proto";', ''];
  for (let m = 0; m < messages; m++) {
    lines.push(`// Message${m} is message number ${m}.`);
    lines.push(`message Message${m} {`);
    lines.push('  string name = 1;', '  int64 id = 2;', '  repeated int32 values = 3;', '  map<string, string> labels = 4;');
    lines.push('  google.protobuf.Timestamp at = 5;', '  oneof choice { string text = 6; bytes raw = 7; }');
    if (m > 0) lines.push(`  Message${m - 1} previous = 8;`);
    lines.push('  enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }', '  Kind kind = 9;', '}', '');
  }
  for (let s = 0; s < services; s++) {
    const msg = (k: number) => `Message${(s * 5 + k) % messages}`;
    lines.push(`service Service${s} {`);
    lines.push(`  rpc Unary (${msg(0)}) returns (${msg(1)});`);
    lines.push(`  rpc Server (${msg(1)}) returns (stream ${msg(2)});`);
    lines.push(`  rpc Client (stream ${msg(2)}) returns (${msg(3)});`);
    lines.push(`  rpc Bidi (stream ${msg(3)}) returns (stream ${msg(4)});`);
    lines.push('}', '');
  }
  return lines.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'tsmicro-gen-bench-'));
try {
  const file = join(dir, 'large.proto');
  writeFileSync(file, largeProto());
  generate([file]); // warm-up: module loading and JIT
  const runs = 5;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const out = generate([file]);
    times.push(performance.now() - start);
    bytes = [...out.values()].reduce((n, s) => n + s.length, 0);
  }
  times.sort((a, b) => a - b);
  console.log(`generate: ${services} services, ${messages} messages -> ${(bytes / 1024).toFixed(0)} KiB of TypeScript`);
  console.log(`median ${times[Math.floor(runs / 2)]?.toFixed(1)} ms, best ${times[0]?.toFixed(1)} ms over ${runs} runs`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
