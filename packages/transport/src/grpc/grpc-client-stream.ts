import type * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { type Status, StatusError } from '../status-error.js';
import type { ClientStream, StreamOptions } from '../transport.js';
import { deserializeBytes, serializeBytes } from './bytes-serializer.js';
import { statusErrorFromStatus, statusErrorFromUnknown, statusFromGrpc } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, grpcMetadataFromMetadata, metadataFromGrpcMetadata } from './grpc-metadata.js';
import { MessageWriter } from './message-writer.js';
import { ReadQueue } from './read-queue.js';

// Content types that grpc-js's own "application/grpc" already says.
const plainContentTypes = new Set(['application/grpc', 'application/grpc+proto']);

/**
 * GrpcClientStream is the caller's side of one gRPC call: a grpc-js
 * bidi-streaming call with identity serializers, whatever the method's kind.
 */
export class GrpcClientStream implements ClientStream {
  readonly headers: Promise<Metadata>;
  readonly status: Promise<Status>;
  private resolveHeaders!: (m: Metadata) => void;
  private resolveStatus!: (s: Status) => void;
  private call: grpc.ClientDuplexStream<Uint8Array, Uint8Array> | undefined;
  private queue: ReadQueue | undefined;
  private writer: MessageWriter | undefined;
  private final: Status | undefined;
  private localStatus: Status | undefined;
  private sendClosed = false;

  /** refused returns a stream that failed before reaching the wire, with the given status. */
  static refused(status: Status): GrpcClientStream {
    return new GrpcClientStream(null, '', new Metadata(), undefined, () => {}, status);
  }

  constructor(
    client: grpc.Client | null,
    method: string,
    metadata: Metadata,
    options: StreamOptions | undefined,
    private readonly onDone: () => void,
    refusal?: Status,
  ) {
    this.headers = new Promise((r) => {
      this.resolveHeaders = r;
    });
    this.status = new Promise((r) => {
      this.resolveStatus = r;
    });
    if (!client || refusal) {
      this.end(refusal ?? { code: Code.UNAVAILABLE, message: 'no connection', metadata: new Metadata() });
      return;
    }
    let md: grpc.Metadata;
    try {
      md = grpcMetadataFromMetadata(metadata);
      const contentType = options?.contentType;
      if (contentType && !plainContentTypes.has(contentType)) md.set(CONTENT_TYPE_HEADER, contentType);
    } catch (err) {
      this.end(statusErrorFromUnknown(err).status);
      return;
    }
    const call = client.makeBidiStreamRequest(method, serializeBytes, deserializeBytes, md, {
      deadline: options?.deadline ?? Infinity,
    });
    this.call = call;
    this.queue = new ReadQueue(call);
    this.writer = new MessageWriter(call);
    const limit = options?.maxMessageSize;
    if (limit !== undefined) {
      // grpc-js has no per-call receive limit; the channel's still bounds what is buffered.
      call.on('data', (m: Uint8Array) => {
        if (m.byteLength > limit) {
          this.cancel(Code.RESOURCE_EXHAUSTED, `received message of ${m.byteLength} bytes exceeds the limit of ${limit}`);
        }
      });
    }
    call.on('metadata', (m: grpc.Metadata) => this.resolveHeaders(metadataFromGrpcMetadata(m)));
    call.on('status', (s: grpc.StatusObject) => this.end(statusFromGrpc(s)));
    // The same status also arrives as 'status'; a listener here keeps grpc-js's
    // 'error' from being thrown as an unhandled event.
    call.on('error', () => {});
    // 'end' fires only after every message grpc-js buffered was delivered,
    // so the reader sees them all before the status.
    call.on('end', () => this.settleReads());
    call.on('close', () => this.settleReads());
  }

  /** settled tells whether the call already has its final status. */
  get settled(): boolean {
    return this.final !== undefined;
  }

  write(message: Uint8Array): Promise<void> {
    if (!this.writer) return Promise.reject(this.finalError());
    if (this.sendClosed) return Promise.reject(new StatusError(Code.INTERNAL, 'write after closeSend'));
    return this.writer.write(message);
  }

  closeSend(): void {
    if (this.sendClosed || !this.call) return;
    this.sendClosed = true;
    this.call.end();
  }

  read(): Promise<Uint8Array | null> {
    if (!this.queue) return Promise.reject(this.finalError());
    return this.queue.read();
  }

  cancel(code: number = Code.CANCELLED, message = 'call cancelled by the client'): void {
    if (this.final || this.localStatus) return;
    const status: Status = { code, message, metadata: new Metadata() };
    this.localStatus = status;
    const err = statusErrorFromStatus(status);
    this.queue?.fail(err);
    this.writer?.fail(err);
    if (this.call) this.call.cancel();
    else this.end(status);
  }

  private end(status: Status): void {
    if (this.final) return;
    // A local cancel wins over the CANCELLED grpc-js reports for it.
    const final = this.localStatus ?? status;
    this.final = final;
    this.resolveHeaders(new Metadata());
    if (final.code !== Code.OK) this.writer?.fail(statusErrorFromStatus(final));
    else this.writer?.drop();
    if (!this.queue || this.call?.readableEnded) this.settleReads();
    this.resolveStatus(final);
    this.onDone();
  }

  private settleReads(): void {
    const final = this.final;
    if (!final || !this.queue) return;
    if (final.code === Code.OK) this.queue.end();
    else this.queue.fail(statusErrorFromStatus(final), true);
  }

  private finalError(): StatusError {
    return statusErrorFromStatus(this.final ?? { code: Code.UNKNOWN, message: 'call failed', metadata: new Metadata() });
  }
}
