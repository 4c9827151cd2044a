import type * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { ClientStream, StreamOptions } from '../transport.js';
import type { ChannelCall, ChannelCallListener } from './channel-call.js';
import { statusErrorFromStatus, statusErrorFromUnknown, statusFromGrpc } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, grpcMetadataFromMetadata, metadataFromGrpcMetadata } from './grpc-metadata.js';

// Content types that grpc-js's own "application/grpc" already says.
const plainContentTypes = new Set(['application/grpc', 'application/grpc+proto']);

/** CallOwner hears when a call it started has its final status (a connection counting its calls). */
export interface CallOwner {
  callEnded(call: GrpcClientCall): void;
}

/**
 * GrpcClientCall is what the caller's side of every gRPC call shares: it
 * starts a grpc-js channel call and is that call's listener itself (no
 * closures per call), holds the headers and status promises and a local
 * cancel that wins over the CANCELLED grpc-js reports for it, and tells
 * the connection once the call is over. The channel call sits below
 * grpc-js's client surface, so a call carries no Node stream, interceptor
 * chain or caller stack trace.
 */
export abstract class GrpcClientCall implements ClientStream, ChannelCallListener {
  // Response headers are awaited by few callers: the promise is made, and
  // grpc-js's headers converted, on first look.
  private headersPromise: Promise<Metadata> | undefined;
  private headersValue: Metadata | undefined;
  private headersUnread: grpc.Metadata | undefined;
  private resolveHeaders: ((m: Metadata) => void) | undefined;
  // The status promise, too, is made on first look: a unary call told its
  // end through onEnd never needs one.
  private statusPromise: Promise<Status> | undefined;
  private resolveStatus: ((s: Status) => void) | undefined;
  /** The call's final status, once it has one. */
  protected final: Status | undefined;
  /** Set by cancel() before grpc-js reports the cancellation. */
  protected localStatus: Status | undefined;
  /** Where the connection's SlotSet of open calls keeps this one. */
  slot = -1;

  constructor(private readonly owner: CallOwner) {}

  get status(): Promise<Status> {
    if (this.statusPromise) return this.statusPromise;
    const final = this.final;
    this.statusPromise = final
      ? Promise.resolve(final)
      : new Promise((r) => {
          this.resolveStatus = r;
        });
    return this.statusPromise;
  }

  abstract write(message: Uint8Array): Promise<void>;
  abstract closeSend(): void;
  abstract read(): Promise<Uint8Array | null>;
  abstract cancel(code?: number, message?: string): void;

  get headers(): Promise<Metadata> {
    if (this.headersPromise) return this.headersPromise;
    const value = this.headersNow();
    this.headersPromise = value
      ? Promise.resolve(value)
      : new Promise((r) => {
          this.resolveHeaders = r;
        });
    return this.headersPromise;
  }

  /** headersNow is the response headers, converted on this first look, or undefined while none came. */
  protected headersNow(): Metadata | undefined {
    const unread = this.headersUnread;
    if (unread) {
      this.headersUnread = undefined;
      this.headersValue = metadataFromGrpcMetadata(unread);
    }
    return this.headersValue;
  }

  private headersArrived(metadata: Metadata): void {
    if (this.headersValue) return;
    this.headersValue = metadata;
    this.resolveHeaders?.(metadata);
    this.resolveHeaders = undefined;
  }

  /** settled tells whether the call already has its final status. */
  get settled(): boolean {
    return this.final !== undefined;
  }

  /**
   * startCall starts a channel call of method with this as its listener;
   * on failure the call ends with that error's status and undefined is returned.
   */
  protected startCall(
    channel: grpc.ChannelInterface,
    method: string,
    metadata: Metadata,
    options: StreamOptions | undefined,
  ): ChannelCall | undefined {
    let md: grpc.Metadata;
    try {
      md = grpcMetadataFromMetadata(metadata);
      const contentType = options?.contentType;
      if (contentType && !plainContentTypes.has(contentType)) md.set(CONTENT_TYPE_HEADER, contentType);
    } catch (err) {
      this.end(statusErrorFromUnknown(err).status);
      return undefined;
    }
    try {
      const call = channel.createCall(method, options?.deadline ?? Infinity, undefined, null, undefined);
      call.start(md, this);
      return call;
    } catch (err) {
      // A channel that was shut down under us throws.
      this.end(statusErrorFromUnknown(err, Code.UNAVAILABLE).status);
      return undefined;
    }
  }

  onReceiveMetadata(metadata: grpc.Metadata): void {
    if (this.headersValue || this.headersUnread) return;
    if (this.resolveHeaders) this.headersArrived(metadataFromGrpcMetadata(metadata));
    else this.headersUnread = metadata;
  }

  abstract onReceiveMessage(message: Buffer): void;

  onReceiveStatus(status: grpc.StatusObject): void {
    this.end(statusFromGrpc(status));
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
    if (!this.headersValue && !this.headersUnread) this.headersArrived(new Metadata());
    this.ended(final);
    this.resolveStatus?.(final);
    this.resolveStatus = undefined;
    this.owner.callEnded(this);
  }

  /** ended lets the subclass settle its reads and writes with the final status. */
  protected abstract ended(final: Status): void;

  protected finalError(): StatusError {
    return statusErrorFromStatus(this.final ?? { code: Code.UNKNOWN, message: 'call failed', metadata: new Metadata() });
  }
}
