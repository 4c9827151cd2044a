import * as grpc from '@grpc/grpc-js';
import { AbortNotice } from '../abort-notice.js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { DEADLINE_EXCEEDED_TEXT, type Status, StatusError } from '../status-error.js';
import type { AbortListener, ServerStream } from '../transport.js';
import { statusErrorFromUnknown } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, grpcMetadataFromMetadata, metadataFromGrpcMetadata } from './grpc-metadata.js';
import type { GrpcServerCalls } from './grpc-server-calls.js';

/**
 * CLIENT_DEADLINE_LEAD_MS is how much sooner than here a deadline may pass
 * on the client: the client counts from when it sent the request, this side
 * from when the request arrived. A reset or half close that comes this close
 * to the deadline is taken for the client's deadline.
 */
export const CLIENT_DEADLINE_LEAD_MS = 50;

/** GrpcInterceptedCall is grpc-js's server call as an interceptor gets it, which every tsmicro call drives itself. */
export type GrpcInterceptedCall = grpc.ServerInterceptingCallInterface;

/** GrpcCallListener is what grpc-js tells a server call's events to. */
export type GrpcCallListener = Parameters<GrpcInterceptedCall['start']>[0];

/** GrpcTrailingStatus is a status in grpc-js's terms, ready to send. */
export interface GrpcTrailingStatus {
  readonly code: number;
  readonly details: string;
  /** The trailers; null for none, as grpc-js's own handlers give it (it makes the one it sends itself). */
  readonly metadata: grpc.Metadata | null;
}

/**
 * GrpcServerCall is what the handler's side of every gRPC call shares,
 * however grpc-js carries it: the request's headers, deadline and peer, the
 * abort signal, response headers, and ending the call exactly once.
 */
export abstract class GrpcServerCall implements ServerStream {
  /** The request's headers as grpc-js has them; set before the call reaches the application. */
  protected requestHeaders: grpc.Metadata | undefined;
  // Converted on first look: most handlers read no headers, and the
  // conversion costs time per call and memory per open stream.
  private metadata_: Metadata | undefined;
  private readonly aborted = new AbortNotice();
  private finished = false;
  /** Set once grpc-js has the status to send: from then on nothing can abort the call. */
  protected statusSent = false;
  /** Where the listener's SlotSet of live calls keeps this one. */
  slot = -1;

  constructor(
    protected readonly call: GrpcInterceptedCall,
    readonly method: string,
    protected readonly calls: GrpcServerCalls,
  ) {}

  // Built from what grpc-js noted of the connection when the call came:
  // it holds no string per open call, and it outlives the connection.
  get peer(): string {
    const { remoteAddress, remotePort } = this.call.getConnectionInfo();
    if (!remoteAddress) return 'unknown';
    return remotePort ? `${remoteAddress}:${remotePort}` : remoteAddress;
  }

  // Asked of grpc-js each time rather than kept: it is fixed when the call
  // starts, and a field per open stream costs more than the lookup.
  get deadline(): number | undefined {
    const deadline = this.call.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() : deadline;
    return Number.isFinite(ms) ? ms : undefined;
  }

  /**
   * endsAtDeadline: grpc-js arms its own timer for a call that came with a
   * deadline, ends the call with DEADLINE_EXCEEDED when it fires and reports
   * that in onCancel, where interrupt() aborts the handler with
   * DEADLINE_EXCEEDED: the framework needs no timer of its own.
   */
  get endsAtDeadline(): boolean {
    return true;
  }

  get contentType(): string {
    const sent = this.requestHeaders?.get(CONTENT_TYPE_HEADER)[0];
    // grpc-js accepts only application/grpc* and hides the header; a plain
    // grpc peer means protobuf.
    return typeof sent === 'string' ? sent : 'application/grpc';
  }

  get metadata(): Metadata {
    this.metadata_ ??= metadataFromGrpcMetadata(this.requestHeaders);
    return this.metadata_;
  }

  /** forget takes the call off the listener's list of calls in progress. */
  protected forget(): void {
    this.calls.ended(this);
  }

  get signal(): AbortSignal {
    return this.aborted.signal;
  }

  onAbort<C>(listener: AbortListener<C> | undefined, self?: C): void {
    this.aborted.listen(listener, self);
  }

  abstract read(): Promise<Uint8Array | null>;
  abstract write(message: Uint8Array): Promise<void>;

  /** abortReason is the error the call was aborted with, once it was. */
  protected get abortReason(): StatusError | undefined {
    return this.aborted.reason;
  }

  /** isFinished tells whether the call was ended by finish() or terminate(). */
  protected get isFinished(): boolean {
    return this.finished;
  }

  sendHeaders(metadata: Metadata): void {
    if (this.finished || this.abortReason !== undefined) return;
    try {
      this.call.sendMetadata(grpcMetadataFromMetadata(metadata));
    } catch (err) {
      this.finish({ code: Code.INTERNAL, message: statusErrorFromUnknown(err).message, metadata: new Metadata() });
    }
  }

  finish(status: Status): void {
    if (this.finished) return;
    this.finished = true;
    if (this.abortReason !== undefined) return;
    this.sendStatus(trailingStatus(status));
  }

  /**
   * terminate aborts the call from the listener's side: the handler's signal
   * fires and, unless the handler already finished, the client gets err's status.
   */
  terminate(err: StatusError): void {
    if (this.statusSent) return;
    this.abortWith(err);
    if (this.finished) return;
    this.finished = true;
    this.sendStatus(trailingStatus(err.status));
  }

  /** sendStatus hands the call's end to grpc-js. */
  protected abstract sendStatus(status: GrpcTrailingStatus): void;

  /** failed settles the subclass's pending reads and writes when the call is aborted. */
  protected abstract failed(err: StatusError): void;

  private abortWith(err: StatusError): void {
    if (this.abortReason !== undefined || this.statusSent) return;
    this.failed(err);
    this.aborted.abort(err);
  }

  /** nearDeadline tells whether the call's deadline passes within CLIENT_DEADLINE_LEAD_MS. */
  protected nearDeadline(): boolean {
    const deadline = this.deadline;
    return deadline !== undefined && Date.now() >= deadline - CLIENT_DEADLINE_LEAD_MS;
  }

  /**
   * interrupt aborts the call because grpc-js ended it: an expired deadline
   * or a lost client. A reset just before the deadline is the client's own
   * deadline timer, which starts before the request reaches this side.
   */
  protected interrupt(): void {
    if (this.statusSent || this.abortReason !== undefined) return;
    const expired = this.nearDeadline();
    const err = expired
      ? new StatusError(Code.DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_TEXT)
      : new StatusError(Code.CANCELLED, 'call cancelled or connection lost');
    this.abortWith(err);
  }
}

// Trailers that cannot be sent turn the status into INTERNAL saying why.
function trailingStatus(status: Status): GrpcTrailingStatus {
  try {
    const metadata = status.metadata.size === 0 ? null : grpcMetadataFromMetadata(status.metadata);
    return { code: status.code, details: status.message, metadata };
  } catch (err) {
    return { code: Code.INTERNAL, details: statusErrorFromUnknown(err).message, metadata: new grpc.Metadata() };
  }
}
