import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { goldenDir } from '../test/fixture-files.js';

const packages = fileURLToPath(new URL('../../', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('generated code', () => {
  it('compiles under tsc --strict --noEmit against @tsmicro/core', () => {
    const program = ts.createProgram(tsFiles(goldenDir), {
      strict: true,
      noEmit: true,
      noUnusedLocals: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      experimentalDecorators: true,
      types: ['node'],
      baseUrl: packages,
      paths: {
        '@tsmicro/core': ['core/src/index.ts'],
        '@tsmicro/transport': ['transport/src/index.ts'],
      },
    });
    // Only the generated files are judged: core is the contract, checked by its own build.
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || d.file.fileName.startsWith(goldenDir));
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => goldenDir,
      getNewLine: () => '\n',
    });
    expect(text).toBe('');
  });
});
