import { type ChildProcess, spawn } from 'node:child_process';
import { exampleEnv, repoRoot } from './example-process.js';

/** ExampleExit is how an example process ended. */
export interface ExampleExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  /** killed is true when the process ignored SIGTERM for too long and was killed. */
  readonly killed: boolean;
}

/** SpawnedExample is a running example server. */
export interface SpawnedExample {
  /** address is the `host:port` the server printed after `LISTENING`. */
  readonly address: string;
  /** port is the port part of `address`. */
  readonly port: number;
  /** output is everything the process printed so far (stdout and stderr). */
  output(): string;
  /**
   * stop sends SIGTERM and resolves once the process has exited; a process
   * still running after `timeoutMs` is killed (SIGKILL) and reported `killed`.
   */
  stop(timeoutMs?: number): Promise<ExampleExit>;
}

/** ExampleStartError says an example server did not print LISTENING in time. */
export class ExampleStartError extends Error {
  override readonly name = 'ExampleStartError';
}

const LISTENING = /^LISTENING (\S+):(\d+)$/m;

/**
 * spawnExample starts `node <script> ...args` (script relative to `cwd`, the repo
 * root unless given) and resolves once it prints `LISTENING host:port`.
 */
export function spawnExample(
  script: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
  cwd = repoRoot,
): Promise<SpawnedExample> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: exampleEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<ExampleExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, output, killed: false }));
  });
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  return new Promise<SpawnedExample>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new ExampleStartError(`${script} ${why}; output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`printed no LISTENING line within ${timeoutMs} ms`), timeoutMs);
    const onData = () => {
      const match = LISTENING.exec(output);
      if (!match) return;
      cleanup();
      const [, host, port] = match as unknown as [string, string, string];
      resolve({
        address: `${host}:${port}`,
        port: Number(port),
        output: () => output,
        stop: (stopTimeoutMs = 15_000) => stopChild(child, exited, stopTimeoutMs),
      });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited (code ${code}, signal ${signal}) before listening`);
    const onError = (err: Error) => fail(`could not start: ${err.message}`);
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<ExampleExit>, timeoutMs: number): Promise<ExampleExit> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, killed };
}

/**
 * strictDrainEnv gives an example server a shutdown grace far longer than
 * `stop()` waits, so a server that still holds a finished, cancelled or
 * expired call when SIGTERM arrives is killed and reported `killed` instead
 * of quietly ending that call at the grace deadline.
 */
export const strictDrainEnv: Record<string, string> = { MICRO_SERVER_GRACE: '60s' };
