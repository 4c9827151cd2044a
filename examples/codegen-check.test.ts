import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// CI fails when an example's checked-in gen/ no longer matches its .proto:
// run `npm run gen:examples` and commit the result.
const examplesDir = fileURLToPath(new URL('.', import.meta.url));
const bin = fileURLToPath(new URL('../packages/codegen/bin/tsmicro-gen.js', import.meta.url));

interface ExampleCodegen {
  readonly name: string;
  readonly includeDirs: readonly string[];
  readonly protos: readonly string[];
}

const { examples } = JSON.parse(readFileSync(join(examplesDir, 'codegen.json'), 'utf8')) as { examples: ExampleCodegen[] };

function tsmicroGen(example: ExampleCodegen, out: string) {
  const args = [bin, '--check', '--out', out];
  for (const dir of example.includeDirs) args.push('-I', join(examplesDir, dir));
  args.push(...example.protos.map((p) => join(examplesDir, p)));
  return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
}

function hasProto(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some((e) =>
    e.isDirectory() ? e.name !== 'gen' && hasProto(join(dir, e.name)) : e.name.endsWith('.proto'),
  );
}

describe('tsmicro-gen --check', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tsmicro-gen-check-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(examples.map((e) => [e.name, e] as const))('finds no drift in examples/%s/gen', (_name, example) => {
    const result = tsmicroGen(example, join(examplesDir, example.name, 'gen'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('lists every example that has a .proto', () => {
    const withProtos = readdirSync(examplesDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'dist' && e.name !== 'node_modules' && hasProto(join(examplesDir, e.name)))
      .map((e) => e.name)
      .sort();
    expect(examples.map((e) => e.name).sort()).toEqual(withProtos);
  });

  it('exits 1 naming the file when a generated file was edited by hand', () => {
    const greeter = examples.find((e) => e.name === 'greeter');
    if (!greeter) throw new Error('codegen.json lists no greeter example');
    const out = join(scratch, 'gen');
    cpSync(join(examplesDir, 'greeter', 'gen'), out, { recursive: true });
    expect(existsSync(join(out, 'greeter.ts'))).toBe(true);
    appendFileSync(join(out, 'greeter.ts'), '// edited\n');
    const result = tsmicroGen(greeter, out);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('changed: greeter.ts');
  });
});
