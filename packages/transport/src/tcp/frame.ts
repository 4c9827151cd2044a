// The wire format of the tcp transport; docs/tcp-protocol.md is the spec this file implements.
import { GoawayCode, TcpProtocolError } from './protocol-error.js';

export { GoawayCode } from './protocol-error.js';

/** FRAME_HEADER_SIZE is the fixed header of every frame: stream id u32, type u8, flags u8, length u32. */
export const FRAME_HEADER_SIZE = 10;

/** FrameType numbers every frame type; receivers ignore numbers they do not know. */
export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  TRAILERS: 2,
  RST: 3,
  WINDOW_UPDATE: 4,
  PING: 5,
  GOAWAY: 6,
} as const;

/** Flag holds the flag bits; their meaning depends on the frame type. */
export const Flag = {
  /** DATA, HEADERS: the sender sends nothing more on this stream (half close). */
  END_STREAM: 0x1,
  /** DATA: this frame carries the last bytes of a message. */
  END_MESSAGE: 0x2,
  /** PING: this is the answer (PONG). */
  ACK: 0x1,
  /** RST: the server refused the stream before handing it to the application; safe to retry. */
  REFUSED: 0x1,
} as const;

/** NO_TIMEOUT is the HEADERS timeout value meaning "no deadline". */
export const NO_TIMEOUT = 0xffffffff;

/** MAX_WINDOW is the largest a flow-control window may grow (2^31 - 1). */
export const MAX_WINDOW = 0x7fffffff;

/** writeHeader writes a frame header at `off` of `b` (10 bytes). */
export function writeHeader(b: Buffer, off: number, streamId: number, type: number, flags: number, length: number): void {
  // Byte stores rather than writeUInt32BE: every frame sent passes here, and
  // the callers have already made room, so its range checks are spent twice.
  b[off] = streamId >>> 24;
  b[off + 1] = streamId >>> 16;
  b[off + 2] = streamId >>> 8;
  b[off + 3] = streamId;
  b[off + 4] = type;
  b[off + 5] = flags;
  b[off + 6] = length >>> 24;
  b[off + 7] = length >>> 16;
  b[off + 8] = length >>> 8;
  b[off + 9] = length;
}

/**
 * u32 reads the big-endian u32 at `off` of `b`, which the caller knows lies
 * inside it (a frame header checked whole, say): readUInt32BE checks its
 * argument and range again, several times a call on every side.
 */
export function u32(b: Buffer, off: number): number {
  return (((b[off] as number) << 24) | ((b[off + 1] as number) << 16) | ((b[off + 2] as number) << 8) | (b[off + 3] as number)) >>> 0;
}

/** FLAGS_OFFSET is where the flags byte sits in a frame header. */
export const FLAGS_OFFSET = 5;

/** encodeHeader writes a frame header into a fresh 10-byte buffer. */
export function encodeHeader(streamId: number, type: number, flags: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  writeHeader(b, 0, streamId, type, flags, length);
  return b;
}

/** encodeFrame returns header and payload as one buffer; for control frames, whose payloads are small. */
export function encodeFrame(streamId: number, type: number, flags: number, payload?: Uint8Array): Buffer {
  const len = payload === undefined ? 0 : payload.length;
  const b = Buffer.allocUnsafe(FRAME_HEADER_SIZE + len);
  writeHeader(b, 0, streamId, type, flags, len);
  if (payload !== undefined && len > 0) b.set(payload, FRAME_HEADER_SIZE);
  return b;
}

// The payloads almost every response sends, laid out once: headers without
// metadata, and trailers of OK without message or metadata. Frames copy
// small payloads, so sharing them is safe.
const EMPTY_RESPONSE_HEADERS = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
const OK_TRAILERS = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

// A metadata block of no entries (count 0).
function isEmptyBlock(metadata: Buffer): boolean {
  return metadata.length === 2 && metadata[0] === 0 && metadata[1] === 0;
}

/** RequestHeaders is the payload of a client's HEADERS frame (a server's carries metadata only). */
export interface RequestHeaders {
  /** Remaining milliseconds until the deadline, or NO_TIMEOUT. */
  readonly timeoutMs: number;
  readonly method: string;
  readonly contentType: string;
  /** The encoded metadata block (see metadata-codec.ts). */
  readonly metadata: Buffer;
}

/** encodeHeadersPayload lays out a HEADERS payload: timeout u32, method, content type (u16 length each), metadata. */
export function encodeHeadersPayload(timeoutMs: number, method: string, contentType: string, metadata: Buffer): Buffer {
  if (timeoutMs === NO_TIMEOUT && method === '' && contentType === '' && isEmptyBlock(metadata)) return EMPTY_RESPONSE_HEADERS;
  // Strings are written in place: no buffer of their own, no second copy.
  const ml = Buffer.byteLength(method, 'utf8');
  const cl = Buffer.byteLength(contentType, 'utf8');
  if (ml > 0xffff || cl > 0xffff) throw new RangeError('method and content type must each fit in 65535 bytes');
  const b = Buffer.allocUnsafe(8 + ml + cl + metadata.length);
  b.writeUInt32BE(timeoutMs, 0);
  b.writeUInt16BE(ml, 4);
  b.write(method, 6, ml, 'utf8');
  let o = 6 + ml;
  b.writeUInt16BE(cl, o);
  b.write(contentType, o + 2, cl, 'utf8');
  o += 2 + cl;
  metadata.copy(b, o);
  return b;
}

/**
 * headersMetadataStart checks the layout of the HEADERS payload p[start, end)
 * and returns where its metadata block starts in p; the method is bytes
 * 6..6+ml of the payload, ml the u16 at 4.
 */
export function headersMetadataStart(p: Buffer, start = 0, end = p.length): number {
  const length = end - start;
  if (length < 8) throw new TcpProtocolError('HEADERS payload too short');
  const ml = p.readUInt16BE(start + 4);
  if (length < 8 + ml) throw new TcpProtocolError('HEADERS method overruns the frame');
  const mdStart = 8 + ml + p.readUInt16BE(start + 6 + ml);
  if (length < mdStart) throw new TcpProtocolError('HEADERS content type overruns the frame');
  return start + mdStart;
}

/** decodeHeadersPayload reads a HEADERS payload; a malformed one is a TcpProtocolError. */
export function decodeHeadersPayload(p: Buffer): RequestHeaders {
  const mdStart = headersMetadataStart(p);
  const ml = p.readUInt16BE(4);
  return {
    timeoutMs: p.readUInt32BE(0),
    method: p.toString('utf8', 6, 6 + ml),
    contentType: p.toString('utf8', 8 + ml, mdStart),
    metadata: p.subarray(mdStart),
  };
}

/** TrailersPayload is a decoded TRAILERS payload. */
export interface TrailersPayload {
  readonly code: number;
  readonly message: string;
  readonly metadata: Buffer;
}

/** encodeTrailersPayload lays out a TRAILERS payload: code u32, message (u32 length), metadata block. */
export function encodeTrailersPayload(code: number, message: string, metadata: Buffer): Buffer {
  if (code === 0 && message === '' && isEmptyBlock(metadata)) return OK_TRAILERS;
  const ml = Buffer.byteLength(message, 'utf8');
  const b = Buffer.allocUnsafe(8 + ml + metadata.length);
  b.writeUInt32BE(code >>> 0, 0);
  b.writeUInt32BE(ml, 4);
  b.write(message, 8, ml, 'utf8');
  metadata.copy(b, 8 + ml);
  return b;
}

/** isPlainOkTrailers tells whether the TRAILERS payload p[start, end) is OK with no message and no metadata, as most are. */
export function isPlainOkTrailers(p: Buffer, start = 0, end = p.length): boolean {
  if (end - start !== OK_TRAILERS.length) return false;
  for (let i = start; i < end; i++) if (p[i] !== 0) return false;
  return true;
}

/** decodeTrailersPayload reads a TRAILERS payload; a malformed one is a TcpProtocolError. */
export function decodeTrailersPayload(p: Buffer): TrailersPayload {
  if (p.length < 8) throw new TcpProtocolError('TRAILERS payload too short');
  const code = p.readUInt32BE(0);
  const ml = p.readUInt32BE(4);
  if (p.length - 8 < ml) throw new TcpProtocolError('TRAILERS message overruns the frame');
  return { code, message: p.toString('utf8', 8, 8 + ml), metadata: p.subarray(8 + ml) };
}

/** encodeCodeMessage lays out RST (code u32, reason) and, with a leading u32, GOAWAY payloads. */
export function encodeCodeMessage(code: number, message: string, lead?: number): Buffer {
  const msg = Buffer.from(message.length > 1024 ? message.slice(0, 1024) : message, 'utf8');
  const head = lead === undefined ? 4 : 8;
  const b = Buffer.allocUnsafe(head + msg.length);
  if (lead !== undefined) b.writeUInt32BE(lead >>> 0, 0);
  b.writeUInt32BE(code >>> 0, head - 4);
  msg.copy(b, head);
  return b;
}

/** RstPayload is a decoded RST payload. */
export interface RstPayload {
  readonly code: number;
  readonly message: string;
}

/** decodeRstPayload reads an RST payload. */
export function decodeRstPayload(p: Buffer): RstPayload {
  if (p.length < 4) throw new TcpProtocolError('RST payload too short');
  return { code: p.readUInt32BE(0), message: p.toString('utf8', 4) };
}

/** GoawayPayload is a decoded GOAWAY payload. */
export interface GoawayPayload {
  readonly lastStreamId: number;
  readonly code: number;
  readonly reason: string;
}

/** decodeGoawayPayload reads a GOAWAY payload. */
export function decodeGoawayPayload(p: Buffer): GoawayPayload {
  if (p.length < 8) throw new TcpProtocolError('GOAWAY payload too short');
  return { lastStreamId: p.readUInt32BE(0), code: p.readUInt32BE(4), reason: p.toString('utf8', 8) };
}

/** encodeWindowUpdate returns a whole WINDOW_UPDATE frame granting `increment` bytes. */
export function encodeWindowUpdate(streamId: number, increment: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_SIZE + 4);
  b.writeUInt32BE(streamId, 0);
  b[4] = FrameType.WINDOW_UPDATE;
  b[5] = 0;
  b.writeUInt32BE(4, 6);
  b.writeUInt32BE(increment, 10);
  return b;
}

/** decodeWindowUpdate reads a WINDOW_UPDATE increment, which must be 1..2^31-1. */
export function decodeWindowUpdate(p: Buffer): number {
  if (p.length !== 4) throw new TcpProtocolError('WINDOW_UPDATE payload must be 4 bytes', GoawayCode.FRAME_SIZE_ERROR);
  const inc = p.readUInt32BE(0);
  if (inc === 0 || inc > MAX_WINDOW) throw new TcpProtocolError(`WINDOW_UPDATE increment ${inc} out of range`);
  return inc;
}
