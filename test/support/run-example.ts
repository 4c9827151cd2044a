import { spawn } from 'node:child_process';
import { exampleEnv, repoRoot } from './example-process.js';
import type { ExampleExit } from './spawn-example.js';

/**
 * runExample runs `node <script> ...args` (script relative to `cwd`, the repo root
 * unless given) to completion and resolves its exit code and output; it is killed after `timeoutMs`.
 */
export function runExample(
  script: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
  cwd = repoRoot,
): Promise<ExampleExit> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: exampleEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise<ExampleExit>((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, killed });
    });
  });
}
