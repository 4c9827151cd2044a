import { type Msg, MsgHdrsImpl, MsgImpl, type MsgHdrs } from '@nats-io/transport-node';
import { BrokerError } from '@tsmicro/core';

// What the NATS header block allows (as the client checks): a name of printable
// ASCII without ':', a value without CR or LF.
const validName = /^[!-9;-~]+$/;
const lineBreak = /[\r\n]/;

/**
 * EventHeaders are NATS message headers filled from an event's headers in one
 * checked pass, and encoded with Buffer.from, which for a block this small is
 * several times cheaper than the client's TextEncoder (it allocates a new
 * ArrayBuffer per message). Everything else is the client's own header class.
 */
class EventHeaders extends MsgHdrsImpl {
  override encode(): Uint8Array {
    return Buffer.from(this.toString());
  }
}

/** natsHeaders turns event headers into NATS message headers; a name or value NATS cannot carry is a BrokerError naming it. */
export function natsHeaders(from: Readonly<Record<string, string>> | undefined): MsgHdrs | undefined {
  if (!from) return undefined;
  const out = new EventHeaders();
  for (const key in from) {
    const value = from[key] as string;
    if (!validName.test(key)) throw new BrokerError(`header name ${JSON.stringify(key)} cannot go over nats: printable ASCII without ':' only`);
    if (typeof value !== 'string' || lineBreak.test(value)) {
      throw new BrokerError(`header ${key} cannot go over nats: its value must be a string without CR or LF`);
    }
    // As the client's append(): one key (names kept as given), the value trimmed.
    out.headers.set(key, [value.trim()]);
  }
  return out;
}

/** headersOf turns NATS message headers back into event headers (first value of each key). */
export function headersOf(from: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!from) return out;
  for (const key of from.keys()) out[key] = from.get(key);
  return out;
}

const decoder = new TextDecoder();

/**
 * headersOfMsg reads the event headers of a received message. A message of
 * the client's own class still holds its header block as bytes: reading that
 * block straight into a record skips the client's header object (a Map of
 * arrays, each name checked and canonicalised), which otherwise is most of
 * what receiving an event costs. Same result as headersOf(msg.headers).
 */
export function headersOfMsg(msg: Msg): Record<string, string> {
  if (!(msg instanceof MsgImpl) || typeof msg._msg?.hdr !== 'number' || !(msg._rdata instanceof Uint8Array)) return headersOf(msg.headers);
  const length = msg._msg.hdr;
  if (length <= 0) return {};
  const bytes = msg._rdata;
  // A Buffer (as the socket hands them over) decodes a range without a view made first.
  return parseHeaderBlock(Buffer.isBuffer(bytes) ? bytes.toString('utf8', 0, length) : decoder.decode(bytes.subarray(0, length)));
}

// The headers every event carries: a name read from the block is matched against these
// first, so the record's keys are the same interned strings each time (a lookup by a
// freshly sliced name would hash it every time).
const commonNames = ['content-type', 'micro-id', 'micro-timestamp', 'traceparent', 'tracestate'];

/** parseHeaderBlock reads "NATS/1.0[ status]\r\nName: value\r\n…\r\n\r\n" into a record: the first value of each name, trimmed. */
export function parseHeaderBlock(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  // The first line is the version and status, not a header.
  let end = block.indexOf('\r\n');
  while (end >= 0) {
    const start = end + 2;
    end = block.indexOf('\r\n', start);
    const lineEnd = end < 0 ? block.length : end;
    const colon = block.indexOf(':', start);
    if (colon < 0 || colon >= lineEnd) continue;
    let key: string | undefined;
    for (const name of commonNames) {
      if (name.length === colon - start && block.startsWith(name, start)) {
        key = name;
        break;
      }
    }
    key ??= block.slice(start, colon);
    if (Object.hasOwn(out, key)) continue;
    // Trimmed as String.trim would, in one slice.
    let from = colon + 1;
    let to = lineEnd;
    while (from < to && isSpace(block.charCodeAt(from))) from++;
    while (to > from && isSpace(block.charCodeAt(to - 1))) to--;
    out[key] = block.slice(from, to);
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || (c >= 0x2000 && c <= 0x200a) || c === 0x1680 || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}
