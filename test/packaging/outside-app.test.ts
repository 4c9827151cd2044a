import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/example-process.js';
import { runExample } from '../support/run-example.js';
import { type SpawnedExample, spawnExample } from '../support/spawn-example.js';
import { installApp, type Packed, packWorkspace, run } from './packed-app.js';

// The packages as a user gets them: packed, installed into an application
// outside this workspace, used through their exports maps and types.
const root = mkdtempSync(join(tmpdir(), 'tsmicro-outside-'));
const app = join(root, 'app');
let packs: Packed[] = [];
const servers: SpawnedExample[] = [];

beforeAll(async () => {
  packs = await packWorkspace(root);
  await installApp(app, packs);
  cpSync(join(repoRoot, 'test/fixtures/outside-app'), app, { recursive: true });
}, 300_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

type Manifest = {
  exports: Record<string, { types: string; default: string }>;
  main: string;
  types: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

const manifestOf = (pack: Packed) =>
  JSON.parse(readFileSync(join(repoRoot, 'packages', pack.folder, 'package.json'), 'utf8')) as Manifest;

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return path.endsWith('.js') ? [path] : [];
  });
}

// The packages a built file imports by name: `node:` built-ins and relative
// paths excluded. TypeScript's scanner skips imports inside string templates.
function importedPackages(file: string): Set<string> {
  const out = new Set<string>();
  for (const { fileName: spec } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
    if (spec.startsWith('.') || spec.startsWith('node:')) continue;
    const parts = spec.split('/');
    out.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return out;
}

describe('the packed packages', () => {
  it('hold dist with types, README and package.json, and no sources or tests', () => {
    expect(packs.map((p) => p.name)).toEqual([
      '@tsmicro/transport',
      '@tsmicro/core',
      '@tsmicro/codegen',
      '@tsmicro/registry-etcd',
      '@tsmicro/cli',
    ]);
    for (const pack of packs) {
      expect(pack.files, pack.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
      expect(pack.files.filter((f) => f.startsWith('src/') || /\.test\.(js|d\.ts)$/.test(f)), pack.name).toEqual([]);
    }
  });

  it('point main, types and every exports entry at files in the tarball', () => {
    for (const pack of packs) {
      const manifest = manifestOf(pack);
      const targets = [manifest.main, manifest.types, ...Object.values(manifest.exports).flatMap((e) => [e.types, e.default])];
      for (const target of targets) expect(pack.files, `${pack.name}: ${target}`).toContain(target.replace(/^\.\//, ''));
      expect(Object.values(manifest.exports).every((e) => Object.keys(e)[0] === 'types'), `${pack.name}: types first`).toBe(true);
    }
  });

  it('declare every package their built code imports', () => {
    for (const pack of packs) {
      const manifest = manifestOf(pack);
      const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      const dist = join(repoRoot, 'packages', pack.folder, 'dist');
      for (const file of jsFiles(dist)) {
        for (const name of importedPackages(file)) {
          expect(declared.has(name), `${pack.name} ${relative(dist, file)} imports ${name}`).toBe(true);
        }
      }
    }
  });

  it('carry their sources inside their source maps, since the tarballs hold no src/', () => {
    for (const pack of packs) {
      const installed = join(app, 'node_modules', pack.name);
      for (const file of pack.files.filter((f) => f.endsWith('.js.map'))) {
        const map = JSON.parse(readFileSync(join(installed, file), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
        expect(map.sourcesContent?.length, `${pack.name}/${file}`).toBe(map.sources.length);
      }
    }
  });

  it('leave typedi and reflect-metadata to the application, so both share one container', () => {
    const core = manifestOf(packs[1] as Packed);
    expect(core.peerDependencies).toMatchObject({ typedi: expect.any(String), 'reflect-metadata': expect.any(String) });
    expect(core.dependencies).not.toHaveProperty('typedi');
    expect(core.dependencies).not.toHaveProperty('reflect-metadata');
    expect(existsSync(join(app, 'node_modules/typedi'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/@tsmicro/core/node_modules/typedi'))).toBe(false);
  });
});

describe('an application outside the workspace', () => {
  it('generates code, builds with its own tsc, and its client calls its server', async () => {
    await run(app, join(app, 'node_modules/.bin/tsmicro-gen'), ['--out', 'src/gen', '-I', 'proto', 'proto/orders.proto']);
    await run(app, join(app, 'node_modules/.bin/tsc'), ['-p', '.']);

    const server = await spawnExample('dist/server.js', [], {}, 20_000, app);
    servers.push(server);
    const found = await runExample('dist/client.js', [server.address, 'o-1'], {}, 20_000, app);
    expect(found.output.trim()).toBe('{"id":"o-1","quantity":3}');
    const missing = await runExample('dist/client.js', [server.address, 'o-404'], {}, 20_000, app);
    expect(missing.output.trim()).toBe('ERROR 5 no order o-404');
  }, 120_000);

  it("injects what the app put in typedi's container", async () => {
    const server = await spawnExample('dist/server.js', [], { FAKE_STORE: '1' }, 20_000, app);
    servers.push(server);
    const reply = await runExample('dist/client.js', [server.address, 'o-7'], {}, 20_000, app);
    expect(reply.output.trim()).toBe('{"id":"o-7","quantity":99}');
  }, 60_000);

  it('built without emitDecoratorMetadata, fails at handle() naming the tsconfig flags', async () => {
    await run(app, join(app, 'node_modules/.bin/tsc'), ['-p', '.', '--emitDecoratorMetadata', 'false', '--outDir', 'dist-no-metadata']);
    const exit = await runExample('dist-no-metadata/server.js', [], {}, 20_000, app);
    expect(exit.code).toBe(3);
    expect(exit.output).toContain(
      'HANDLE FAILED Orders takes 1 constructor parameter(s) but has no design:paramtypes metadata, so they cannot be injected: ' +
        'compile with "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json',
    );
  }, 120_000);
});

describe('a service made by tsmicro new', () => {
  it('builds with the installed packages, passes its own test, and its client calls its server', async () => {
    // Scaffolded inside the app, so it resolves the app's node_modules without an install of its own.
    await run(app, join(app, 'node_modules/.bin/tsmicro'), ['new', 'order-book']);
    const service = join(app, 'order-book');
    await run(service, join(app, 'node_modules/.bin/tsc'), ['-p', '.']);
    const tested = await run(service, process.execPath, ['--test', 'dist/handler.test.js']);
    expect(tested.stdout).toMatch(/# pass 4\n# fail 0\n/);

    const server = await spawnExample('dist/server.js', [], { MICRO_SERVER_ADDRESS: '127.0.0.1:0' }, 20_000, service);
    servers.push(server);
    const client = await runExample('dist/client.js', [server.address, 'Ada'], {}, 20_000, service);
    expect(client.output).toBe('Hello Ada\n0: Hello Ada\n1: Hello Ada\n2: Hello Ada\n');
    expect(client.code).toBe(0);
  }, 120_000);
});
