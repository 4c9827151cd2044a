import type { ClientStream, Metadata, Status } from '@tsmicro/transport';
import { cancellation } from '../cancellation.js';
import { type AttemptEnding, forgetAbandoned } from '../client-call.js';
import type { ConnectionLease } from './client-options.js';
import type { StreamWatcher } from './node-attempt.js';
import type { Target, TargetResolver } from './target-resolver.js';

/**
 * AttemptEnd is what an attempt leaves to do once its stream has ended: stop
 * following the caller's signals, release the connection lease, report the
 * node's health and tell the intercepted call, if any. It is also the
 * attempt's abort listener, so an attempt costs this one object rather than
 * a closure for each.
 */
export class AttemptEnd implements AttemptEnding {
  constructor(
    private readonly stream: ClientStream,
    private readonly lease: ConnectionLease,
    private readonly signals: readonly AbortSignal[],
    private readonly target: Target,
    private readonly resolver: TargetResolver,
    private readonly watcher: StreamWatcher | undefined,
    private readonly handedToCaller: boolean,
  ) {
    for (const s of signals) s.addEventListener('abort', this, { once: true });
  }

  /** handleEvent cancels the stream when one of the caller's signals aborts. */
  handleEvent(event: Event): void {
    const error = cancellation((event.target as AbortSignal).reason);
    this.stream.cancel(error.code, error.detail);
  }

  /** follow hears the stream's end from the transport: through its end listener where it has one, else its status. */
  follow(): void {
    const stream = this.stream;
    if (stream.onEnd !== undefined) stream.onEnd(streamEnded, this);
    else void stream.status.then(statusEnded.bind(this));
  }

  ended(status: Status, headers: Metadata | undefined): void {
    if (this.handedToCaller) forgetAbandoned(this.stream);
    for (const s of this.signals) s.removeEventListener('abort', this);
    this.lease.release();
    // Streams report their node's health here too, however long they lived; a stream
    // refused unread by a server going away says nothing of the node's health.
    if (status.unprocessed !== true) this.resolver.mark(this.target, status.code);
    this.watcher?.streamEnded(this.stream, status, headers);
  }
}

// statusEnded hears the end of a stream whose transport tells it only by its status promise.
function statusEnded(this: AttemptEnd, status: Status): void {
  this.ended(status, undefined);
}

// streamEnded is the end listener of a stream whose messages the caller reads: there is no reply to take.
function streamEnded(this: AttemptEnd, _reply: Uint8Array | null, headers: Metadata, status: Status): void {
  this.ended(status, headers);
}
