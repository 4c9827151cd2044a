import { type RequestHeaders, headersMetadataStart, u32 } from './frame.js';
import { EMPTY_METADATA_BLOCK } from './metadata-codec.js';
import type { ServedMethods } from './served-methods.js';

/** Method and content type pairs a connection remembers, with the bytes they came as. */
const MAX_KNOWN = 32;
/** Distinct strings kept for pairs past MAX_KNOWN, so open streams share them. */
const MAX_INTERNED_NAMES = 256;
/**
 * The content types tsmicro and gRPC clients send, as string literals. The
 * engine keeps one string per distinct literal, which the codecs' own
 * literals are too: checking a call's content type then compares two
 * references rather than two copies character by character.
 */
const WELL_KNOWN_CONTENT_TYPES = new Map(['application/grpc+proto', 'application/grpc', 'application/grpc+json'].map((t) => [t, t]));

interface KnownNames {
  /** The payload's bytes from the method length to the end of the content type. */
  readonly bytes: Buffer;
  /** The same bytes four at a time (little-endian), for sameBytes; the last length % 4 are only in `bytes`. */
  readonly words: Int32Array;
  method: string;
  readonly contentType: string;
  /** Whether the method is a served unary one, as of the served methods' version `servedVersion`. */
  unary: boolean;
  servedVersion: number;
}

/**
 * RequestHeadersReader decodes the HEADERS a client sends on one
 * connection. Every call of a method carries the same method and content
 * type bytes: once seen, they are matched byte for byte and their strings
 * reused, so a call decodes no text and a metadata block of no entries
 * costs no view of its own. What read() returns is the reader itself, valid
 * until the next read: a call's headers cost no object. A served method's
 * path is the server's own string (see ServedMethods), and whether it is
 * unary is remembered with its bytes: a call costs no lookup by path.
 */
export class RequestHeadersReader implements RequestHeaders {
  timeoutMs = 0;
  method = '';
  contentType = '';
  metadata: Buffer = EMPTY_METADATA_BLOCK;
  /** Whether the method is a served unary one. */
  unary = false;
  private readonly known: KnownNames[] = [];
  private last: KnownNames | undefined;
  private readonly names = new Map<string, string>();
  // A DataView of the bytes being read, for sameBytes: the HEADERS of many
  // calls come in one socket read, so it is made per read, not per call,
  // and let go when the read is parsed (releaseBytes).
  private viewed: Buffer | undefined;
  private view: DataView | undefined;

  constructor(private readonly served?: ServedMethods) {}

  /** read decodes the payload p[start, end) into this reader, valid until the next read; a malformed one is a TcpProtocolError. */
  read(p: Buffer, start = 0, end = p.length): RequestHeaders {
    // The names of the connection's last call are matched first, before the
    // layout is read: their bytes hold both length fields, so a match also
    // tells where the metadata starts.
    const last = this.last;
    let names: KnownNames | undefined;
    let mdStart = 0;
    if (last !== undefined) {
      mdStart = start + 4 + last.bytes.length;
      if (mdStart <= end && sameBytes(last, p, this.viewOf(p), start + 4, mdStart)) names = last;
    }
    if (names === undefined) {
      mdStart = headersMetadataStart(p, start, end);
      names = this.namesOf(p, start, mdStart);
    }
    this.metadata = end - mdStart === 2 && p[mdStart] === 0 && p[mdStart + 1] === 0 ? EMPTY_METADATA_BLOCK : p.subarray(mdStart, end);
    // Methods served after the names were first seen change what they name.
    if (names.servedVersion !== (this.served?.version ?? 0)) this.refresh(names);
    this.timeoutMs = u32(p, start);
    this.method = names.method;
    this.contentType = names.contentType;
    this.unary = names.unary;
    return this;
  }

  // namesOf reads the names of a payload starting at `start` whose metadata starts at `end`.
  private namesOf(p: Buffer, start: number, end: number): KnownNames {
    const view = this.viewOf(p);
    for (const k of this.known) {
      if (sameBytes(k, p, view, start + 4, end)) {
        this.last = k;
        return k;
      }
    }
    const ml = p.readUInt16BE(start + 4);
    const bytes = Buffer.from(p.subarray(start + 4, end));
    const names: KnownNames = {
      bytes,
      words: wordsOf(bytes),
      method: p.toString('utf8', start + 6, start + 6 + ml),
      contentType: this.contentTypeOf(p.toString('utf8', start + 8 + ml, end)),
      unary: false,
      servedVersion: -1,
    };
    this.refresh(names);
    // Bounded: a client sending endless distinct names gets nothing kept.
    if (this.known.length < MAX_KNOWN) {
      this.known.push(names);
      this.last = names;
    }
    return names;
  }

  /** releaseBytes lets go of the bytes read last, once they are parsed: an idle connection keeps none. */
  releaseBytes(): void {
    this.viewed = undefined;
    this.view = undefined;
  }

  private viewOf(p: Buffer): DataView {
    if (p !== this.viewed || this.view === undefined) {
      this.viewed = p;
      this.view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    }
    return this.view;
  }

  // refresh reads what the served methods say of the names' method now.
  private refresh(names: KnownNames): void {
    const served = this.served;
    names.method = served?.pathOf(names.method) ?? this.interned(names.method);
    names.unary = served?.isUnary(names.method) ?? false;
    names.servedVersion = served?.version ?? 0;
  }

  private contentTypeOf(name: string): string {
    return WELL_KNOWN_CONTENT_TYPES.get(name) ?? this.interned(name);
  }

  private interned(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size < MAX_INTERNED_NAMES) this.names.set(name, name);
    return name;
  }
}

// sameBytes tells whether p[from, end) holds exactly the known names' bytes;
// view is a DataView of all of p. Every call's HEADERS is matched this way,
// so the bytes are compared four at a time, each four one load of the view:
// a byte at a time, the forty-odd bytes of a method path and content type
// cost about as much as the rest of reading the HEADERS. Names differ most
// at their end, so that is where the comparison starts.
function sameBytes(known: KnownNames, p: Buffer, view: DataView, from: number, end: number): boolean {
  const { bytes, words } = known;
  const n = bytes.length;
  if (end - from !== n) return false;
  for (let i = n - 1; i >= words.length << 2; i--) if (bytes[i] !== p[from + i]) return false;
  for (let j = words.length - 1; j >= 0; j--) if (view.getInt32(from + (j << 2), true) !== words[j]) return false;
  return true;
}

// wordsOf lays out bytes four at a time as sameBytes reads them.
function wordsOf(bytes: Buffer): Int32Array {
  const words = new Int32Array(bytes.length >>> 2);
  for (let j = 0; j < words.length; j++) words[j] = bytes.readInt32LE(j << 2);
  return words;
}
