import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath, freePort, missingServerLine, stopProcess } from '@tsmicro/core/testing';

/**
 * TestEtcd runs a real single-member etcd for tests: bound to 127.0.0.1 on
 * free ports with a temporary data directory. stop() and start() keep the
 * ports and data, so a test can restart etcd under a running registry.
 */
export class TestEtcd {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly clientPort: number,
    readonly peerPort: number,
    readonly dataDir: string,
  ) {}

  /** address is the client address, "127.0.0.1:<port>". */
  get address(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  /** launch starts etcd and waits until it reports healthy. */
  static async launch(): Promise<TestEtcd> {
    assertEtcdInstalled();
    const etcd = new TestEtcd(await freePort(), await freePort(), mkdtempSync(join(tmpdir(), 'tsmicro-etcd-')));
    await etcd.start();
    return etcd;
  }

  /** start runs etcd (again) on the same ports and data directory. */
  async start(): Promise<void> {
    if (this.process) return;
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.output = '';
    const child = spawn(
      'etcd',
      [
        '--name=test',
        `--data-dir=${this.dataDir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=test=${peer}`,
        '--log-level=error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    this.process = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`etcd exited with ${code} before it was healthy:\n${this.output}`))),
    );
    exited.catch(() => {});
    await Promise.race([this.waitHealthy(15_000), exited]);
  }

  /** stop ends etcd with SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await stopProcess(child);
  }

  /** wipe deletes etcd's data while it is stopped, so the next start is a brand-new cluster. */
  wipe(): void {
    if (this.process) throw new Error('stop etcd before wiping its data');
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** destroy stops etcd and removes its data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await fetch(`http://${this.address}/health`, { signal: AbortSignal.timeout(1_000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd not healthy within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// Callers skip with serverAvailable('etcd') first; this is the clear failure
// for one that did not.
function assertEtcdInstalled(): void {
  if (findOnPath('etcd') === undefined) throw new Error(missingServerLine('etcd'));
}
