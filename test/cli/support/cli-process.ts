import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** repoFile resolves a path relative to the repository root. */
export function repoFile(path: string): string {
  return fileURLToPath(new URL(`../../../${path}`, import.meta.url));
}

/** CliResult is how one run of the CLI ended. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** CliRun is a CLI process still running, for feeding stdin by hand. */
export interface CliRun {
  write(line: string): void;
  end(): void;
  /** stdout so far. */
  output(): string;
  readonly done: Promise<CliResult>;
}

const bin = repoFile('packages/cli/dist/bin.js');

/**
 * startCli spawns `node packages/cli/dist/bin.js ...args` (built by tsc -b).
 * stdin stays open until end(); a run is killed after killAfterMs.
 */
export function startCli(args: readonly string[], options: { env?: Record<string, string>; killAfterMs?: number } = {}): CliRun {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npx tsc -b first`);
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, MICRO_REGISTRY: '', MICRO_REGISTRY_ADDRESS: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => {});
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 20_000);
  const done = new Promise<CliResult>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    write: (line) => child.stdin.write(line),
    end: () => child.stdin.end(),
    output: () => stdout,
    done,
  };
}

/** runCli runs the CLI to its end with the given stdin (closed at once when omitted). */
export function runCli(args: readonly string[], stdin = '', options: { env?: Record<string, string> } = {}): Promise<CliResult> {
  const run = startCli(args, options);
  if (stdin) run.write(stdin);
  run.end();
  return run.done;
}

/** lines splits output into its non-empty lines. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}
