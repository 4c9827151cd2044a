import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/example-process.js';

const exec = promisify(execFile);

/** publishedPackages are the workspace folders published to npm, dependencies first. */
export const publishedPackages = ['transport', 'core', 'codegen', 'registry-etcd', 'cli'] as const;

/** PublishedPackage names one of them by folder. */
export type PublishedPackage = (typeof publishedPackages)[number];

/** Packed is one tarball `npm pack` wrote, with the files it holds. */
export interface Packed {
  readonly name: string;
  readonly folder: PublishedPackage;
  readonly tarball: string;
  readonly files: readonly string[];
}

/** Command is what a finished command printed. */
export interface Command {
  readonly stdout: string;
  readonly stderr: string;
}

// The environment npm runs under when a test itself runs from `npm test`:
// npm's variables (npm_config_local_prefix above all) would point a nested
// npm back at this workspace.
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key.startsWith('MICRO_') || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** run runs a command in `cwd` and resolves its output; it rejects with both streams on failure. */
export async function run(cwd: string, command: string, args: readonly string[], timeoutMs = 120_000): Promise<Command> {
  try {
    return await exec(command, [...args], { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 16 << 20 });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: err });
  }
}

/**
 * packWorkspace runs `npm pack` on every published package into `dest`. The
 * packages must be built (`tsc -b`, which `npm test` runs first).
 */
export async function packWorkspace(dest: string): Promise<Packed[]> {
  for (const folder of publishedPackages) {
    if (!existsSync(join(repoRoot, 'packages', folder, 'dist', 'index.js'))) {
      throw new Error(`packages/${folder}/dist is missing: build first with npx tsc -b`);
    }
  }
  const workspaces = publishedPackages.flatMap((folder) => ['-w', `packages/${folder}`]);
  const { stdout } = await run(repoRoot, 'npm', ['pack', '--json', '--pack-destination', dest, ...workspaces]);
  const packs = JSON.parse(stdout) as { name: string; filename: string; files: { path: string }[] }[];
  return packs.map((pack, i) => ({
    name: pack.name,
    folder: publishedPackages[i] as PublishedPackage,
    tarball: join(dest, pack.filename),
    files: pack.files.map((f) => f.path),
  }));
}

/**
 * installApp writes `package.json` of an application in `dir` that depends on
 * the tarballs (and on typedi, reflect-metadata, typescript and @types/node
 * from the registry), then installs it, from npm's cache where it can.
 */
export async function installApp(dir: string, packs: readonly Packed[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const workspace = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const fromWorkspace = (name: string) => workspace.devDependencies[name] as string;
  const manifest = {
    name: 'outside-app',
    private: true,
    type: 'module',
    dependencies: {
      ...Object.fromEntries(packs.map((p) => [p.name, `file:${p.tarball}`])),
      'reflect-metadata': fromWorkspace('reflect-metadata'),
      typedi: fromWorkspace('typedi'),
    },
    devDependencies: {
      '@types/node': fromWorkspace('@types/node'),
      typescript: fromWorkspace('typescript'),
    },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], 240_000);
}
