import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run TypeScript through the TypeScript compiler itself (transpileModule)
// rather than esbuild, because esbuild does not emit decorator metadata: the
// reflective router must be tested on the same emitted code users get from tsc.
function typescriptEmit(): Plugin {
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    useDefineForClassFields: true,
    sourceMap: true,
    inlineSources: true,
  };
  return {
    name: 'tsmicro:typescript-emit',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.[cm]?ts$/.test(id) || id.includes('/node_modules/')) return null;
      const out = ts.transpileModule(code, { compilerOptions, fileName: id });
      return { code: out.outputText, map: out.sourceMapText ? JSON.parse(out.sourceMapText) : null };
    },
  };
}

const src = (pkg: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  plugins: [typescriptEmit()],
  esbuild: false,
  resolve: {
    // Subpath entries first: an alias matches by prefix.
    alias: {
      '@tsmicro/core/codegen': src('core', 'codegen'),
      '@tsmicro/core/plugin': src('core', 'plugin'),
      '@tsmicro/core/testing': src('core', 'testing/index'),
      '@tsmicro/core': src('core'),
      '@tsmicro/transport': src('transport'),
      '@tsmicro/codegen': src('codegen'),
      '@tsmicro/observability': src('observability'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Prints one line per outside server (etcd, nats-server) missing from PATH;
    // fails the run instead under TSMICRO_REQUIRE_SERVERS=1.
    globalSetup: ['test/support/report-missing-servers.ts'],
    // Services log their lifecycle at info; at warn the run's output keeps only
    // what went wrong. Tests of the lines themselves pass their own level, and
    // example processes start from an environment without MICRO_* keys.
    env: { MICRO_LOG_LEVEL: 'warn' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Leak tests force garbage collection to prove abandoned streams are released.
    execArgv: ['--expose-gc'],
  },
});
