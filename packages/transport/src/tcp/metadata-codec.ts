import { Metadata, MetadataError } from '../metadata.js';
import { TcpProtocolError } from './protocol-error.js';

/** EMPTY_METADATA_BLOCK is the block of no entries (its count alone); shared, never written to. */
export const EMPTY_METADATA_BLOCK = Buffer.from([0, 0]);

/**
 * encodeMetadata lays out a metadata block: count u16, then per entry key
 * (u16 length, ASCII) and value (u32 length, raw bytes). Values of "-bin"
 * keys travel as the bytes themselves, others as UTF-8; no base64 anywhere.
 */
export function encodeMetadata(md: Metadata | undefined): Buffer {
  const size = metadataBlockSize(md);
  if (size === EMPTY_METADATA_BLOCK.length) return EMPTY_METADATA_BLOCK;
  const b = Buffer.allocUnsafe(size);
  writeMetadata(md, b, 0);
  return b;
}

/** metadataBlockSize is how many bytes md's block takes; past 65535 entries it throws MetadataError. */
export function metadataBlockSize(md: Metadata | undefined): number {
  if (md === undefined || md.size === 0) return EMPTY_METADATA_BLOCK.length;
  let size = EMPTY_METADATA_BLOCK.length;
  let count = 0;
  // Keys were checked on the way into Metadata: ASCII, one byte a character.
  // keys() and getAll() rather than the entry iterator, a generator that costs
  // more than the layout itself.
  for (const k of md.keys()) {
    for (const v of md.getAll(k)) {
      size += 6 + k.length + (typeof v === 'string' ? textLength(v) : v.byteLength);
      count++;
    }
  }
  if (count > 0xffff) throw new MetadataError('metadata may hold at most 65535 entries');
  return size;
}

/**
 * writeMetadata lays md's block out in b at off, where metadataBlockSize(md)
 * bytes are free, straight from its strings: no buffer per key or value.
 */
export function writeMetadata(md: Metadata | undefined, b: Buffer, off: number): void {
  let o = off + 2;
  let count = 0;
  if (md !== undefined && md.size > 0) {
    for (const k of md.keys()) {
      for (const v of md.getAll(k)) {
        b[o] = k.length >>> 8;
        b[o + 1] = k.length & 0xff;
        o += 2 + writeText(b, k, o + 2);
        let vl: number;
        if (typeof v === 'string') {
          vl = writeText(b, v, o + 4);
        } else {
          b.set(v, o + 4);
          vl = v.byteLength;
        }
        b.writeUInt32BE(vl, o);
        o += 4 + vl;
        count++;
      }
    }
  }
  b.writeUInt16BE(count, off);
}

// Header keys and most values are short ASCII (ids, tokens): copied a
// character at a time they cost less than Buffer.byteLength and Buffer#write,
// whose argument checks and native call outweigh a few dozen bytes.
const SHORT_TEXT = 64;

// textLength is the UTF-8 length of s.
function textLength(s: string): number {
  if (s.length > SHORT_TEXT) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

// writeText writes s as UTF-8 at b[o], where textLength(s) bytes are free, and returns that length.
function writeText(b: Buffer, s: string, o: number): number {
  const n = s.length;
  if (n > SHORT_TEXT) return b.write(s, o, 'utf8');
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return b.write(s, o, 'utf8');
    b[o + i] = c;
  }
  return n;
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
