import * as grpc from '@grpc/grpc-js';
import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';

/**
 * CONTENT_TYPE_HEADER carries the caller's content type: grpc-js always sends
 * "content-type: application/grpc" and strips that header before a handler sees it.
 */
export const CONTENT_TYPE_HEADER = 'tsmicro-content-type';

// Headers that HTTP/2 or gRPC itself owns: a handler never sees them and
// a caller cannot set them (grpc-js would send duplicates or reject the call).
const reserved = new Set([
  'content-type',
  'te',
  'host',
  'user-agent',
  'accept-encoding',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'grpc-status',
  'grpc-message',
  CONTENT_TYPE_HEADER,
]);

/** isReservedHeader tells whether a header belongs to the protocol rather than the application. */
export function isReservedHeader(key: string): boolean {
  return key.startsWith(':') || reserved.has(key);
}

/** grpcMetadataFromMetadata converts our metadata to grpc-js's, leaving out reserved headers. */
export function grpcMetadataFromMetadata(metadata: Metadata): grpc.Metadata {
  const out = new grpc.Metadata();
  for (const [key, value] of metadata) {
    if (isReservedHeader(key)) continue;
    try {
      // grpc-js base64-encodes -bin values itself; it wants them as Buffers.
      out.add(key, typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    } catch (err) {
      throw new StatusError(Code.INTERNAL, `metadata "${key}" cannot be sent over gRPC: ${String(err)}`, undefined, {
        cause: err,
      });
    }
  }
  return out;
}

/** metadataFromGrpcMetadata converts grpc-js metadata to ours, leaving out reserved headers. */
export function metadataFromGrpcMetadata(metadata: grpc.Metadata | null | undefined): Metadata {
  const out = new Metadata();
  if (!metadata) return out;
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (isReservedHeader(key)) continue;
    const binary = key.endsWith('-bin');
    for (const value of values) {
      // A peer may send what our Metadata refuses (e.g. text under a -bin key
      // that failed to decode); such a header is dropped rather than failing the call.
      if (binary !== (typeof value !== 'string')) continue;
      out.append(key, typeof value === 'string' ? value : new Uint8Array(value));
    }
  }
  return out;
}
