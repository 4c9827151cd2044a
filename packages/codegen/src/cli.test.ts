import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixturesDir } from '../test/fixture-files.js';
import { main } from './cli.js';

let dir: string;
let stderr: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsmicro-gen-'));
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function proto(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const out = (): string => join(dir, 'out');
const outEntries = (): string[] => {
  try {
    return readdirSync(out(), { recursive: true }).map(String);
  } catch {
    return [];
  }
};

describe('main', () => {
  it('writes one .ts per .proto when the input is good', () => {
    const code = main(['--out', out(), join(fixturesDir, 'greeter.proto')]);
    expect(code).toBe(0);
    expect(outEntries().sort()).toEqual(['greeter.ts']);
    expect(readFileSync(join(out(), 'greeter.ts'), 'utf8')).toContain('export function newGreeterService');
  });

  it('prints file:line:column and writes nothing when a .proto has a syntax error', () => {
    const good = join(fixturesDir, 'greeter.proto');
    const bad = proto('bad.proto', 'syntax = "proto3";\npackage bad;\nmessage A {\n  string name = 1\n  int32 x = 2;\n}\n');
    expect(main(['--out', out(), '-I', dir, '-I', fixturesDir, good, bad])).toBe(1);
    expect(stderr).toMatch(/^bad\.proto:5:3: illegal token 'int32'/);
    expect(outEntries()).toEqual([]);
  });

  it('names the use site of an unknown type', () => {
    const bad = proto('unknown.proto', 'syntax = "proto3";\npackage u;\nmessage A {\n  Missing m = 1;\n}\n');
    expect(main(['--out', out(), bad])).toBe(1);
    expect(stderr).toMatch(/^unknown\.proto:4:3: unknown type "Missing"/);
    expect(outEntries()).toEqual([]);
  });

  it('names the import statement of a missing import', () => {
    const bad = proto('imp.proto', 'syntax = "proto3";\n\nimport "nowhere/x.proto";\nmessage A {}\n');
    expect(main(['--out', out(), bad])).toBe(1);
    expect(stderr).toMatch(/^imp\.proto:3:8: import "nowhere\/x\.proto" not found/);
    expect(outEntries()).toEqual([]);
  });

  it('exits 0 with --check when the files on disk match and 1 naming the file when they drift', () => {
    const greeter = join(fixturesDir, 'greeter.proto');
    expect(main(['--out', out(), greeter])).toBe(0);
    expect(main(['--check', '--out', out(), greeter])).toBe(0);
    writeFileSync(join(out(), 'greeter.ts'), '// edited\n');
    expect(main(['--check', '--out', out(), greeter])).toBe(1);
    expect(stderr).toContain('changed: greeter.ts');
    expect(readFileSync(join(out(), 'greeter.ts'), 'utf8')).toBe('// edited\n');
    rmSync(join(out(), 'greeter.ts'));
    expect(main(['--check', '--out', out(), greeter])).toBe(1);
    expect(stderr).toContain('missing: greeter.ts');
  });

  it('exits 2 with usage when --out is missing', () => {
    expect(main([join(fixturesDir, 'greeter.proto')])).toBe(2);
    expect(stderr).toContain('--out is required');
  });
});
