import * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { ClientStream, StreamOptions } from '../transport.js';
import { statusErrorFromStatus, statusErrorFromUnknown } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, grpcMetadataFromMetadata, metadataFromGrpcMetadata } from './grpc-metadata.js';

// Content types that grpc-js's own "application/grpc" already says.
const plainContentTypes = new Set(['application/grpc', 'application/grpc+proto']);

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

  constructor(private readonly onDone: () => void) {
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
  protected listen(call: grpc.ClientUnaryCall | grpc.ClientDuplexStream<Uint8Array, Uint8Array>, onStatus: (s: grpc.StatusObject) => void): void {
    call.on('metadata', (m: grpc.Metadata) => this.resolveHeaders(metadataFromGrpcMetadata(m)));
    call.on('status', onStatus);
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
    this.onDone();
  }

  /** ended lets the subclass settle its reads and writes with the final status. */
  protected abstract ended(final: Status): void;

  protected finalError(): StatusError {
    return statusErrorFromStatus(this.final ?? { code: Code.UNKNOWN, message: 'call failed', metadata: new Metadata() });
  }
}
