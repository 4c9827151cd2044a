import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';

/** WatchCanceledError ends a watch that etcd itself cancelled (a compacted start revision, most often). */
export class WatchCanceledError extends Error {
  override readonly name = 'WatchCanceledError';
}

/** PrefixWatchListener receives what one watch sees; throwing from it ends the watch with that error. */
export interface PrefixWatchListener {
  /** created is etcd's answer to the watch request. */
  created(response: IWatchResponse): void;
  /** changed carries events in revision order. */
  changed(response: IWatchResponse): void;
}

/**
 * PrefixWatch follows one etcd3 watcher over a key prefix from a revision
 * until it breaks. `ended` only rejects, with what broke it, since a watch is
 * meant to last; the watcher is detached from etcd3 at that moment, so etcd3
 * never reconnects it on its own and the caller decides when to watch again.
 */
export class PrefixWatch {
  /** ended rejects once the watch is over: disconnected, cancelled by etcd, unanswered, or closed. */
  readonly ended: Promise<never>;
  private readonly watcher: Watcher;
  private readonly answerTimer: NodeJS.Timeout;
  private reject: (err: unknown) => void = () => {};
  private detached: Promise<void> | undefined;

  constructor(client: Etcd3, prefix: string, fromRevision: number, timeoutMs: number, listener: PrefixWatchListener) {
    this.ended = new Promise<never>((_, reject) => (this.reject = reject));
    // Handled by whoever awaits it; never an unhandled rejection when nobody does.
    this.ended.catch(() => {});
    this.watcher = client.watch().prefix(prefix).startRevision(String(fromRevision)).watcher();
    // Only etcd's answer is bounded in time; the watch itself lasts.
    this.answerTimer = setTimeout(() => this.end(new Error(`etcd did not answer the watch in ${timeoutMs} ms`)), timeoutMs);
    this.watcher
      .on('connected', (response) => {
        clearTimeout(this.answerTimer);
        this.deliver(() => listener.created(response));
      })
      .on('data', (response) => this.deliver(() => listener.changed(response)))
      .on('disconnected', (err) => this.end(err))
      // etcd3 has already dropped a watcher that etcd cancelled: nothing to detach.
      .on('error', (err) => this.end(new WatchCanceledError(err.message, { cause: err }), false));
  }

  /**
   * close ends the watch and resolves once etcd3 let go of the watcher, or
   * after `timeoutMs` when etcd does not confirm the cancellation.
   */
  async close(timeoutMs: number): Promise<void> {
    this.end(new Error('watch closed'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.detached, timeout]);
    clearTimeout(timer);
  }

  private deliver(fn: () => void): void {
    if (this.detached) return;
    try {
      fn();
    } catch (err) {
      this.end(err);
    }
  }

  private end(err: unknown, detach = true): void {
    if (this.detached) return;
    clearTimeout(this.answerTimer);
    // Detaching inside the 'disconnected' handler is what keeps etcd3's
    // manager from reconnecting this watcher behind our back.
    this.detached = detach ? this.watcher.cancel().catch(() => {}) : Promise.resolve();
    this.reject(err);
  }
}
