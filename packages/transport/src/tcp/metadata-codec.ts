import { Metadata, MetadataError } from '../metadata.js';
import { TcpProtocolError } from './protocol-error.js';

const EMPTY = Buffer.from([0, 0]);

/**
 * encodeMetadata lays out a metadata block: count u16, then per entry key
 * (u16 length, ASCII) and value (u32 length, raw bytes). Values of "-bin"
 * keys travel as the bytes themselves, others as UTF-8; no base64 anywhere.
 */
export function encodeMetadata(md: Metadata | undefined): Buffer {
  if (md === undefined || md.size === 0) return EMPTY;
  const parts: Buffer[] = [];
  let size = 2;
  let count = 0;
  for (const [k, v] of md) {
    const key = Buffer.from(k, 'latin1');
    const val = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    parts.push(key, val);
    size += 6 + key.length + val.length;
    count++;
  }
  if (count > 0xffff) throw new MetadataError('metadata may hold at most 65535 entries');
  const b = Buffer.allocUnsafe(size);
  b.writeUInt16BE(count, 0);
  let o = 2;
  for (let i = 0; i < parts.length; i += 2) {
    const key = parts[i] as Buffer;
    const val = parts[i + 1] as Buffer;
    b.writeUInt16BE(key.length, o);
    key.copy(b, o + 2);
    o += 2 + key.length;
    b.writeUInt32BE(val.length, o);
    val.copy(b, o + 4);
    o += 4 + val.length;
  }
  return b;
}

/** decodeMetadata reads a metadata block; bad layout or an invalid key is a TcpProtocolError. */
export function decodeMetadata(b: Buffer): Metadata {
  const md = new Metadata();
  if (b.length === 0) return md;
  if (b.length < 2) throw new TcpProtocolError('metadata block too short');
  const count = b.readUInt16BE(0);
  let o = 2;
  for (let i = 0; i < count; i++) {
    if (b.length - o < 2) throw new TcpProtocolError('metadata key length overruns the block');
    const kl = b.readUInt16BE(o);
    o += 2;
    if (b.length - o < kl + 4) throw new TcpProtocolError('metadata key overruns the block');
    const key = b.toString('latin1', o, o + kl);
    o += kl;
    const vl = b.readUInt32BE(o);
    o += 4;
    if (b.length - o < vl) throw new TcpProtocolError('metadata value overruns the block');
    // Copy binary values so they do not pin the socket chunk they arrived in.
    const value = key.endsWith('-bin') ? Uint8Array.prototype.slice.call(b, o, o + vl) : b.toString('utf8', o, o + vl);
    o += vl;
    try {
      md.append(key, value);
    } catch (err) {
      throw new TcpProtocolError(`bad metadata: ${(err as Error).message}`);
    }
  }
  if (o !== b.length) throw new TcpProtocolError('metadata block has trailing bytes');
  return md;
}
