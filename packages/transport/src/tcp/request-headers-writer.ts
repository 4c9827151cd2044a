import type { Metadata } from '../metadata.js';
import { NO_TIMEOUT, encodeHeadersPayload } from './frame.js';
import { EMPTY_METADATA_BLOCK, writeMetadata } from './metadata-codec.js';

/** Methods whose HEADERS layout a connection keeps. */
const MAX_KNOWN = 256;
const EMPTY_BLOCK = EMPTY_METADATA_BLOCK.length;

interface Known {
  readonly contentType: string;
  /** The whole payload with no timeout and no metadata. */
  readonly plain: Buffer;
}

/**
 * RequestHeadersWriter lays out the HEADERS payloads of one connection's
 * calls. Per method it keeps the payload without timeout or metadata: a call
 * without metadata sends it as it is (or a copy with its timeout), and one
 * with metadata copies it and writes its entries straight after, so no call
 * encodes its method or content type, nor a buffer per metadata entry.
 */
export class RequestHeadersWriter {
  private readonly known = new Map<string, Known>();

  /** payload returns a call's HEADERS payload; mdSize is metadataBlockSize(metadata). */
  payload(timeoutMs: number, method: string, contentType: string, metadata: Metadata | undefined, mdSize: number): Buffer {
    let known = this.known.get(method);
    if (known === undefined || known.contentType !== contentType) {
      known = { contentType, plain: encodeHeadersPayload(NO_TIMEOUT, method, contentType, EMPTY_METADATA_BLOCK) };
      if (this.known.size < MAX_KNOWN) this.known.set(method, known);
    }
    const plain = known.plain;
    if (mdSize === EMPTY_BLOCK && timeoutMs === NO_TIMEOUT) return plain;
    const head = plain.length - EMPTY_BLOCK;
    const b = Buffer.allocUnsafe(head + mdSize);
    plain.copy(b, 0, 0, head);
    b.writeUInt32BE(timeoutMs, 0);
    writeMetadata(metadata, b, head);
    return b;
  }
}
