import { spawn } from 'node:child_process';
import { exampleEnv, repoRoot } from './example-process.js';
import { type ExampleExit, stopChild } from './spawn-example.js';

/** SubscriberProcess is a running `events:sub`. */
export interface SubscriberProcess {
  /** got lists the ids of the `GOT <id>` lines printed so far. */
  got(): string[];
  output(): string;
  /** stop sends SIGTERM and resolves with how the process ended (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<ExampleExit>;
}

const subScript = 'examples/dist/events/sub.js';
/** pubScript is the built `events:pub` entry point. */
export const pubScript = 'examples/dist/events/pub.js';

/** spawnSubscriber starts `events:sub` with `args` and resolves once it printed SUBSCRIBED. */
export function spawnSubscriber(args: readonly string[], env: Record<string, string>, timeoutMs = 20_000): Promise<SubscriberProcess> {
  const child = spawn(process.execPath, [subScript, ...args], { cwd: repoRoot, env: exampleEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<ExampleExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, output, killed: false })));
  const stop = (stopTimeoutMs = 15_000): Promise<ExampleExit> => stopChild(child, exited, stopTimeoutMs);
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`events:sub printed no SUBSCRIBED within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      if (/^SUBSCRIBED$/m.test(output)) {
        clearInterval(poll);
        clearTimeout(deadline);
        resolve({ got: () => [...output.matchAll(/^GOT (\S+)$/gm)].map((m) => m[1] as string), output: () => output, stop });
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(deadline);
        reject(new Error(`events:sub exited with ${child.exitCode} before SUBSCRIBED:\n${output}`));
      }
    }, 20);
  });
}
