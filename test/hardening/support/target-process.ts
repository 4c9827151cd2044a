import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { exampleEnv, repoRoot } from '../../support/example-process.js';

/** MemoryReport is what the target server says about its memory after a full GC. */
export interface MemoryReport {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly peakRss: number;
}

/** TargetProcess is a running target-server.mjs child. */
export interface TargetProcess {
  readonly address: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** alive is false once the process has exited. */
  readonly alive: boolean;
  /** output is everything the process printed to stderr. */
  output(): string;
  /** ask sends one command line and resolves with its JSON answer. */
  ask<T>(command: 'mem' | 'peak' | 'stats' | 'lag'): Promise<T>;
  /** fds counts the process's open file descriptors (Linux /proc). */
  fds(): number;
  /** kill ends the process (SIGKILL) and resolves once it is gone. */
  kill(): Promise<void>;
}

/** SpawnTargetOptions choose the transport and, optionally, a file-descriptor limit. */
export interface SpawnTargetOptions {
  readonly transport: 'tcp' | 'grpc';
  /** Runs the server under `ulimit -n <fdLimit>`. */
  readonly fdLimit?: number;
  readonly timeoutMs?: number;
}

const SCRIPT = 'test/hardening/support/target-server.mjs';

/** spawnTarget starts the target server and resolves once it prints LISTENING. */
export function spawnTarget(options: SpawnTargetOptions): Promise<TargetProcess> {
  const node = [process.execPath, '--expose-gc', SCRIPT, options.transport];
  const child =
    options.fdLimit === undefined
      ? spawn(node[0] as string, node.slice(1), { cwd: repoRoot, env: exampleEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('sh', ['-c', `ulimit -n ${options.fdLimit} && exec "$@"`, 'sh', ...node], {
          cwd: repoRoot,
          env: exampleEnv(),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const answers: ((line: string) => void)[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let onListening: ((address: string) => void) | undefined;
  lines.on('line', (line) => {
    const m = /^LISTENING (\S+)$/.exec(line);
    if (m !== null) onListening?.(m[1] as string);
    else answers.shift()?.(line);
  });
  const target = {
    address: '',
    pid: child.pid as number,
    child,
    get alive() {
      return alive;
    },
    output: () => stderr,
    ask<T>(command: 'mem' | 'peak' | 'stats' | 'lag'): Promise<T> {
      if (!alive) return Promise.reject(new Error(`target server is gone; stderr:\n${stderr}`));
      return new Promise<T>((resolve, reject) => {
        answers.push((line) => {
          try {
            resolve(JSON.parse(line) as T);
          } catch (err) {
            reject(err);
          }
        });
        child.stdin?.write(`${command}\n`);
      });
    },
    fds: () => readdirSync(`/proc/${child.pid}/fd`).length,
    async kill() {
      if (alive) child.kill('SIGKILL');
      await exited;
    },
  };
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`target server printed no LISTENING within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`target server exited before listening; stderr:\n${stderr}`));
    });
    onListening = (address) => {
      clearTimeout(timer);
      target.address = address;
      resolve(target);
    };
  });
}
