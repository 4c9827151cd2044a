import * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { ClientStream, StreamOptions } from '../transport.js';
import { statusErrorFromStatus, statusErrorFromUnknown, statusFromGrpc } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, grpcMetadataFromMetadata, metadataFromGrpcMetadata } from './grpc-metadata.js';

/**
 * withoutCallerStack starts a grpc-js call without the caller's stack trace
 * grpc-js captures for every call. grpc-js only appends that stack to the
 * errors it builds, which this transport turns into statuses anyway; the
 * capture costs time on every call, and a long-lived stream would keep
 * every frame's function and receiver alive as long as it stays open.
 */
export function withoutCallerStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// Content types that grpc-js's own "application/grpc" already says.
const plainContentTypes = new Set(['application/grpc', 'application/grpc+proto']);

/** CallOwner hears when a call it started has its final status (a connection counting its calls). */
export interface CallOwner {
  callEnded(call: GrpcClientCall): void;
}

// Each grpc-js call object points back to the GrpcClientCall built on it, so
// its event listeners can be shared functions rather than closures per call.
const OWNER = Symbol('tsmicro.grpcClientCall');
type Owned = { [OWNER]?: GrpcClientCall };

/**
 * GrpcClientCall is what the caller's side of every gRPC call shares,
 * however grpc-js carries it: the headers and status promises, a local
 * cancel that wins over the CANCELLED grpc-js reports for it, and telling
 * the connection once the call is over.
 */
export abstract class GrpcClientCall implements ClientStream {
  readonly headers: Promise<Metadata>;
  readonly status: Promise<Status>;
  private resolveHeaders!: (m: Metadata) => void;
  private resolveStatus!: (s: Status) => void;
  /** The call's final status, once it has one. */
  protected final: Status | undefined;
  /** Set by cancel() before grpc-js reports the cancellation. */
  protected localStatus: Status | undefined;

  constructor(private readonly owner: CallOwner) {
    this.headers = new Promise((r) => {
      this.resolveHeaders = r;
    });
    this.status = new Promise((r) => {
      this.resolveStatus = r;
    });
  }

  abstract write(message: Uint8Array): Promise<void>;
  abstract closeSend(): void;
  abstract read(): Promise<Uint8Array | null>;
  abstract cancel(code?: number, message?: string): void;

  /** settled tells whether the call already has its final status. */
  get settled(): boolean {
    return this.final !== undefined;
  }

  /**
   * outgoingMetadata converts the caller's metadata for grpc-js; on failure
   * the call ends with that error's status and undefined is returned.
   */
  protected outgoingMetadata(metadata: Metadata, options: StreamOptions | undefined): grpc.Metadata | undefined {
    try {
      const md = grpcMetadataFromMetadata(metadata);
      const contentType = options?.contentType;
      if (contentType && !plainContentTypes.has(contentType)) md.set(CONTENT_TYPE_HEADER, contentType);
      return md;
    } catch (err) {
      this.end(statusErrorFromUnknown(err).status);
      return undefined;
    }
  }

  /** listen follows the response headers and the final status of a grpc-js call. */
  protected listen(call: grpc.ClientUnaryCall | grpc.ClientDuplexStream<Uint8Array, Uint8Array>): void {
    (call as Owned)[OWNER] = this;
    call.on('metadata', GrpcClientCall.onMetadata);
    call.on('status', GrpcClientCall.onStatus);
  }

  /** ownerOf is the call a grpc-js call object's event came from. */
  protected static ownerOf(emitter: unknown): GrpcClientCall {
    return (emitter as Owned)[OWNER] as GrpcClientCall;
  }

  private static onMetadata(this: unknown, metadata: grpc.Metadata): void {
    GrpcClientCall.ownerOf(this).resolveHeaders(metadataFromGrpcMetadata(metadata));
  }

  private static onStatus(this: unknown, status: grpc.StatusObject): void {
    GrpcClientCall.ownerOf(this).end(statusFromGrpc(status));
  }

  /** localCancel records a cancel by the caller; false when the call already ended or was cancelled. */
  protected localCancel(code: number, message: string): Status | undefined {
    if (this.final || this.localStatus) return undefined;
    this.localStatus = { code, message, metadata: new Metadata() };
    return this.localStatus;
  }

  /** end settles the call with its status (a local cancel's if there was one); later calls do nothing. */
  protected end(status: Status): void {
    if (this.final) return;
    const final = this.localStatus ?? status;
    this.final = final;
    this.resolveHeaders(new Metadata());
    this.ended(final);
    this.resolveStatus(final);
    this.owner.callEnded(this);
  }

  /** ended lets the subclass settle its reads and writes with the final status. */
  protected abstract ended(final: Status): void;

  protected finalError(): StatusError {
    return statusErrorFromStatus(this.final ?? { code: Code.UNKNOWN, message: 'call failed', metadata: new Metadata() });
  }
}
