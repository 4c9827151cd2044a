import { type ChildProcess, spawn } from 'node:child_process';
import { exampleEnv, repoRoot } from './example-process.js';

/** FleetNode is a running fleet-node.mjs: a greeter service in its own process that a test can query. */
export interface FleetNode {
  /** Every transport's bound address, by name, from its LISTENING lines (the first line is the first transport). */
  readonly addresses: ReadonlyMap<string, string>;
  /** stats is the node's server.stats().transports: calls served per transport. */
  stats(): Promise<Record<string, { totalStreams: number; connections: number; address: string }>>;
  /** close closes one of its listeners, the rest go on serving. */
  close(transport: string): Promise<void>;
  output(): string;
  /** stop ends it with SIGTERM (SIGKILL after 15 s) and waits for the exit. */
  stop(): Promise<void>;
}

const LISTENING = /^LISTENING (?:([a-z]+):\/\/)?(\S+:\d+)$/gm;

/** startFleetNode spawns test/support/fleet-node.mjs with `env` and resolves once it printed all `transports`' addresses. */
export async function startFleetNode(env: Record<string, string>, transports: readonly string[], timeoutMs = 30_000): Promise<FleetNode> {
  const child: ChildProcess = spawn(process.execPath, ['test/support/fleet-node.mjs'], {
    cwd: repoRoot,
    env: exampleEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { pattern: RegExp; from: number; resolve: (m: RegExpExecArray) => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const w of [...waiters]) {
      const m = w.pattern.exec(output.slice(w.from));
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;

  // waitFor resolves with the first match of pattern in the output from offset `from`, or rejects after ms.
  const waitFor = (pattern: RegExp, ms: number, from = 0): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fleet-node printed nothing matching ${pattern} within ${ms} ms:\n${output}`)), ms);
      const m = pattern.exec(output.slice(from));
      if (m) {
        clearTimeout(timer);
        resolve(m);
        return;
      }
      waiters.push({
        pattern,
        from,
        resolve: (found) => {
          clearTimeout(timer);
          resolve(found);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`fleet-node exited before printing ${pattern}:\n${output}`));
      });
    });

  const countLines = new RegExp(`(?:^LISTENING .*\\n){${transports.length}}`, 'm');
  try {
    await waitFor(countLines, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const addresses = new Map<string, string>();
  for (const [i, m] of [...output.matchAll(LISTENING)].entries()) {
    addresses.set(m[1] ?? (transports[0] as string), m[2] as string);
    if (i + 1 === transports.length) break;
  }
  return {
    addresses,
    output: () => output,
    async stats() {
      const from = output.length;
      child.stdin?.write('stats\n');
      const line = await waitFor(/^STATS (.*)$/m, 10_000, from);
      return JSON.parse(line[1] as string);
    },
    async close(transport) {
      const from = output.length;
      child.stdin?.write(`close ${transport}\n`);
      await waitFor(new RegExp(`^CLOSED ${transport}$`, 'm'), 10_000, from);
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
