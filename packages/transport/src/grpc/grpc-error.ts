import { Metadata as GrpcMetadata, type StatusObject } from '@grpc/grpc-js';
import { Code, isCode } from '../status.js';
import { DEADLINE_EXCEEDED_TEXT, type Status, StatusError, isStatusError } from '../status-error.js';
import { metadataFromGrpcMetadata } from './grpc-metadata.js';

/** statusFromGrpc converts a grpc-js call status to ours. */
export function statusFromGrpc(status: StatusObject): Status {
  const code = isCode(status.code) ? status.code : Code.UNKNOWN;
  return {
    code,
    message: (status.code as number) === Code.DEADLINE_EXCEEDED ? deadlineText(status.details) : (status.details ?? ''),
    metadata: metadataFromGrpcMetadata(status.metadata),
  };
}

// grpc-js words its own deadline "Deadline exceeded after 1.002s,metadata
// filters: 0.001s,LB pick: …": its internals, not the caller's concern, and
// unlike every other transport. A peer's own text is kept.
function deadlineText(details: string | undefined): string {
  return details === undefined || details.startsWith('Deadline exceeded') ? DEADLINE_EXCEEDED_TEXT : details;
}

/** statusErrorFromStatus wraps a non-OK status as the error reads reject with. */
export function statusErrorFromStatus(status: Status): StatusError {
  return new StatusError(status.code, status.message, status.metadata);
}

// Node error codes that mean the link to the peer is gone, not that the call was wrong.
const unavailable = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
]);
const cancelled = new Set(['ERR_STREAM_DESTROYED', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR']);

/**
 * statusErrorFromUnknown maps anything grpc-js or Node throws or emits to a
 * StatusError: this is the one place that knows their error shapes.
 */
export function statusErrorFromUnknown(err: unknown, fallback: Code = Code.INTERNAL): StatusError {
  if (isStatusError(err)) return err;
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; details?: unknown; message?: unknown; metadata?: unknown };
    const message = typeof e.details === 'string' ? e.details : typeof e.message === 'string' ? e.message : String(err);
    // A grpc-js ServiceError carries a numeric status code and details.
    if (typeof e.code === 'number' && isCode(e.code) && typeof e.details === 'string') {
      const trailers = e.metadata instanceof GrpcMetadata ? metadataFromGrpcMetadata(e.metadata) : undefined;
      return new StatusError(e.code, message, trailers, { cause: err });
    }
    if (typeof e.code === 'string') {
      if (unavailable.has(e.code)) return new StatusError(Code.UNAVAILABLE, message, undefined, { cause: err });
      if (cancelled.has(e.code)) return new StatusError(Code.CANCELLED, message, undefined, { cause: err });
    }
    return new StatusError(fallback, message, undefined, { cause: err });
  }
  return new StatusError(fallback, String(err));
}
