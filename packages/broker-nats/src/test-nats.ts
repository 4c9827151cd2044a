import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess } from '@tsmicro/core/testing';

/** TestNatsOptions configure TestNats.launch. */
export interface TestNatsOptions {
  /** Run JetStream (-js) with a temporary store directory. */
  readonly jetstream?: boolean;
}

/**
 * TestNats runs a real nats-server for tests, bound to 127.0.0.1 on a free
 * port. stop() and start() keep the port and the JetStream store, so a test
 * can restart the server under running brokers.
 */
export class TestNats {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string | undefined,
  ) {}

  /** address is "127.0.0.1:<port>". */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** launch starts nats-server and waits until it accepts connections. */
  static async launch(options: TestNatsOptions = {}): Promise<TestNats> {
    const nats = new TestNats(await freePort(), options.jetstream ? mkdtempSync(join(tmpdir(), 'tsmicro-nats-')) : undefined);
    await nats.start();
    return nats;
  }

  /** start runs nats-server (again) on the same port and store. */
  async start(): Promise<void> {
    if (this.process) return;
    this.output = '';
    const args = ['-a', '127.0.0.1', '-p', String(this.port)];
    if (this.storeDir) args.push('-js', '-sd', this.storeDir);
    const child = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.process = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`nats-server exited with ${code} before it was ready:\n${this.output}`))),
    );
    exited.catch(() => {});
    await Promise.race([this.waitReady(15_000), exited]);
  }

  /** stop ends nats-server with SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await stopProcess(child);
  }

  /** destroy stops nats-server and removes its store. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.storeDir) rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // The server logs "Server is ready" once it serves clients (and JetStream, when enabled).
    while (!this.output.includes('Server is ready')) {
      if (Date.now() > deadline) throw new Error(`nats-server not ready within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
