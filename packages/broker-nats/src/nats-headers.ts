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
 * headerBlockOf is the header block of a received message as text, or
 * undefined when the message is not of the client's own class. That class
 * still holds the block as bytes: reading it straight skips the client's
 * header object (a Map of arrays, each name checked and canonicalised),
 * which otherwise is most of what receiving an event costs.
 */
export function headerBlockOf(msg: Msg): string | undefined {
  if (!(msg instanceof MsgImpl) || typeof msg._msg?.hdr !== 'number' || !(msg._rdata instanceof Uint8Array)) return undefined;
  const length = msg._msg.hdr;
  if (length <= 0) return '';
  const bytes = msg._rdata;
  // A Buffer (as the socket hands them over) decodes a range without a view made first.
  return Buffer.isBuffer(bytes) ? bytes.toString('utf8', 0, length) : decoder.decode(bytes.subarray(0, length));
}

/** parseHeaderBlock reads "NATS/1.0[ status]\r\nName: value\r\n…\r\n\r\n" into a record: the first value of each name, trimmed, as the client reads it. */
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
    const key = block.slice(start, colon);
    if (!Object.hasOwn(out, key)) out[key] = block.slice(colon + 1, lineEnd).trim();
  }
  return out;
}

const contentTypeLine = '\r\ncontent-type:';

/** contentTypeOfBlock is the first content-type header of a header block, as parseHeaderBlock would read it, without reading the rest. */
export function contentTypeOfBlock(block: string): string | undefined {
  const at = block.indexOf(contentTypeLine);
  if (at < 0) return undefined;
  const end = block.indexOf('\r\n', at + 2);
  return block.slice(at + contentTypeLine.length, end < 0 ? block.length : end).trim();
}
