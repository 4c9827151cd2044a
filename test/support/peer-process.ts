import { type ChildProcess, spawn } from 'node:child_process';
import { exampleEnv, repoRoot } from './example-process.js';

/** PeerProcess is a child process running one of the peer scripts beside this file. */
export interface PeerProcess {
  /** line is the first output line that matched the ready pattern. */
  readonly line: string;
  readonly child: ChildProcess;
  /** kill sends SIGKILL (no goodbye on any socket) and resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * spawnPeer runs `node test/support/<script> ...args` and resolves once it
 * prints a line matching `ready`; it rejects with the output if the process
 * exits or stays silent for timeoutMs.
 */
export function spawnPeer(script: string, args: readonly string[], ready: RegExp, timeoutMs = 20_000): Promise<PeerProcess> {
  const child = spawn(process.execPath, [`test/support/${script}`, ...args], {
    cwd: repoRoot,
    env: exampleEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${script} ${why}; output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`printed nothing matching ${ready} within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = ready.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({
        line: match[0],
        child,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (code ${code}, signal ${signal})`);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}
