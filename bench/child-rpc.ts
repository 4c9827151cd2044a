import { type ChildProcess, fork } from 'node:child_process';

type Handlers = Record<string, (arg: unknown) => Promise<unknown> | unknown>;

interface Request {
  readonly id: number;
  readonly type: string;
  readonly arg: unknown;
}

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** answerRequests serves the parent's requests in a forked child, one handler per type. */
export function answerRequests(handlers: Handlers): void {
  process.on('message', (message: Request) => {
    void (async () => {
      let reply: Reply;
      try {
        const handler = handlers[message.type];
        if (!handler) throw new Error(`no handler for ${message.type}`);
        reply = { id: message.id, result: await handler(message.arg) };
      } catch (err) {
        reply = { id: message.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      process.send!(reply);
    })();
  });
}

/**
 * residentSet answers the parent's 'rss' request: the process's resident set
 * in bytes, after a full collection when the request's argument is true.
 * Only a process that measures nothing afterwards may collect: a forced
 * collection between rounds puts V8 into a state no service reaches by itself
 * (see the bench README), and the rounds after it would measure that state.
 */
export function residentSet(collect: unknown): number {
  if (collect === true) {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
  }
  return process.memoryUsage().rss;
}

/** cpuMicros is the CPU time this process has used so far, user and system, in µs. */
export function cpuMicros(): number {
  const used = process.cpuUsage();
  return used.user + used.system;
}

/** markWindow tells the parent, unasked, that a measured window opens or closes now. */
export function markWindow(mark: 'open' | 'close'): void {
  process.send!({ mark });
}

/**
 * childV8Flags go to every bench process, of every implementation alike.
 * Each process sits idle while the others run their rounds, long enough for
 * V8's memory reducer to shrink its heap, after which a process under load
 * can spend whole scenarios collecting its old generation again and again
 * (see the bench README). A service under steady load never meets the
 * reducer.
 */
const childV8Flags = ['--expose-gc', '--no-memory-reducer'];

/**
 * keptYoungGeneration is for processes that run measured rounds with pauses
 * between them. The first scavenge after a pause sees a low allocation rate
 * and shrinks the young generation to 1 MB, which a process allocating as
 * fast as a tsmicro server takes many seconds, scavenging hundreds of times a
 * second, to grow back; a service under steady load keeps the size its load
 * grew it to. The idle-stream rows, which measure memory in fresh processes,
 * go without it.
 */
export const keptYoungGeneration = ['--min-semi-space-size=16'];

/** Child is a forked bench process answering requests; its first message says it is ready. */
export class Child {
  readonly ready: Promise<string>;
  /** onMark hears the child's markWindow messages. */
  onMark: ((mark: 'open' | 'close') => void) | undefined;
  private readonly process: ChildProcess;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor(file: string, args: string[], execArgv: string[]) {
    this.process = fork(new URL(file, import.meta.url).pathname, args, { execArgv: [...childV8Flags, ...execArgv] });
    this.ready = new Promise((resolve, reject) => {
      this.process.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
      this.process.on('message', (message: Reply | { ready: string } | { mark: 'open' | 'close' }) => {
        if ('ready' in message) return resolve(message.ready);
        if ('mark' in message) return this.onMark?.(message.mark);
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.result);
      });
    });
    this.process.on('exit', (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`${file} exited with ${code}`));
      this.pending.clear();
    });
  }

  /** request sends one request and resolves its result. */
  request<T>(type: string, arg?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ id, type, arg });
    });
  }

  /** stop asks the child to close and exit, and kills it if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    this.request('exit').catch(() => {});
    await exited;
    clearTimeout(timer);
  }
}
