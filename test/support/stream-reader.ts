import type * as grpc from '@grpc/grpc-js';

/** StreamEndedError is what `next()` rejects with once a stream ended with OK and nothing is left. */
export class StreamEndedError extends Error {
  override readonly name = 'StreamEndedError';
}

type ReadableCall<T> = grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>;

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * StreamReader pulls the responses of a stock grpc-js streaming call one at a
 * time, so a test can wait for each reply before sending the next request.
 */
export class StreamReader<T> {
  /** headers holds one entry per response-headers event (a correct server sends exactly one). */
  readonly headers: grpc.Metadata[] = [];
  private readonly queue: T[] = [];
  private waiters: Waiter<T>[] = [];
  private failure: grpc.ServiceError | undefined;
  private ended = false;
  private status: grpc.StatusObject | undefined;
  private readonly finished: Promise<grpc.StatusObject>;

  constructor(call: ReadableCall<T>) {
    let settle: ((s: grpc.StatusObject) => void) | undefined;
    let fail: ((err: unknown) => void) | undefined;
    this.finished = new Promise<grpc.StatusObject>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // Nobody may await `finished` (a test that only checks next()); keep it from
    // surfacing as an unhandled rejection.
    this.finished.catch(() => {});
    // An OK call is over when every message was delivered ('end') and the status arrived.
    const maybeDone = () => {
      if (this.ended && this.status) settle?.(this.status);
    };
    call.on('metadata', (md: grpc.Metadata) => this.headers.push(md));
    call.on('data', (msg: T) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(msg);
      else this.queue.push(msg);
    });
    call.on('end', () => {
      this.ended = true;
      this.flush(new StreamEndedError('the stream ended'));
      maybeDone();
    });
    call.on('error', (err: grpc.ServiceError) => {
      this.failure = err;
      this.flush(err);
      fail?.(err);
    });
    call.on('status', (s: grpc.StatusObject) => {
      this.status = s;
      maybeDone();
    });
  }

  /** next resolves the next response, or rejects with the call's error or StreamEndedError. */
  next(): Promise<T> {
    const msg = this.queue.shift();
    if (msg !== undefined) return Promise.resolve(msg);
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new StreamEndedError('the stream ended'));
    return new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** rest resolves every remaining response once the call ended with OK; rejects with its error otherwise. */
  async rest(): Promise<T[]> {
    await this.finished;
    return this.queue.splice(0);
  }

  /** done resolves the final status of an OK call; rejects with the ServiceError of a failed one. */
  done(): Promise<grpc.StatusObject> {
    return this.finished;
  }

  /** finalStatus is the status received so far, if any (set for failed calls too). */
  finalStatus(): grpc.StatusObject | undefined {
    return this.status;
  }

  private flush(err: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }
}
