import { type ChildProcess, spawn } from 'node:child_process';
import { exampleEnv, repoRoot } from '../support/example-process.js';

/** GreeterExit is how a greeter server process ended. */
export interface GreeterExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** GreeterProcess is a running greeter example server that a test may signal as it likes. */
export interface GreeterProcess {
  /** address is the `host:port` it printed after LISTENING. */
  readonly address: string;
  readonly exited: Promise<GreeterExit>;
  output(): string;
  /** signal sends SIGTERM (graceful stop) or SIGKILL (a crash). */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** stop ends it with SIGTERM, or SIGKILL after `timeoutMs`, and waits for the exit. */
  stop(timeoutMs?: number): Promise<GreeterExit>;
}

const script = 'examples/dist/greeter/server.js';
const LISTENING = /^LISTENING (\S+:\d+)$/m;

/** runGreeter starts the greeter server entry point with `env` (no other MICRO_* variable). */
function runGreeter(env: Record<string, string>): { child: ChildProcess; exited: Promise<GreeterExit>; output: () => string } {
  const child = spawn(process.execPath, [script, '--address', '127.0.0.1:0'], {
    cwd: repoRoot,
    env: exampleEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<GreeterExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

/** startGreeter spawns a greeter server and resolves once it printed LISTENING (it registers before that). */
export async function startGreeter(env: Record<string, string>, timeoutMs = 30_000): Promise<GreeterProcess> {
  const { child, exited, output } = runGreeter(env);
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} printed no LISTENING line within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const onData = () => {
      const match = LISTENING.exec(output());
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(match[1] as string);
    };
    child.stdout?.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${exit.code ?? exit.signal}) before listening:\n${output()}`));
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    address,
    exited,
    output,
    signal: (signal) => {
      if (alive()) child.kill(signal);
    },
    async stop(stopTimeoutMs = 15_000) {
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** runGreeterToExit runs a greeter server expected to stop by itself, killing it after `timeoutMs`. */
export async function runGreeterToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<GreeterExit & { output: string }> {
  const { child, exited, output } = runGreeter(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, output: output() };
}
