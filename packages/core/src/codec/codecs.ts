import type { Codec } from './codec.js';
import { jsonCodec } from './json-codec.js';
import { protoCodec } from './proto-codec.js';

const byName = new Map<string, Codec>([
  ['proto', protoCodec],
  ['json', jsonCodec],
]);

/** codecNames lists the codecs a call may ask for. */
export const codecNames: readonly string[] = [...byName.keys()];

/** codecByName returns a codec, or undefined for an unknown name. */
export function codecByName(name: string): Codec | undefined {
  return byName.get(name);
}

/**
 * codecForContentType picks the codec for an incoming call. No content type,
 * or plain "application/grpc", means proto, as gRPC specifies.
 */
export function codecForContentType(contentType: string | undefined): Codec | undefined {
  // Proto is what every tsmicro client sends: no lookup for it.
  if (contentType === protoCodec.contentType || contentType === undefined || contentType === 'application/grpc') return protoCodec;
  // Every call names its content type; peers use a handful, so each is parsed once.
  // One lookup for a known codec; has() only for the rare content type known to have none.
  const known = byContentType.get(contentType);
  if (known !== undefined || byContentType.has(contentType)) return known;
  const codec = parseContentType(contentType);
  if (byContentType.size < 64) byContentType.set(contentType, codec);
  return codec;
}

const byContentType = new Map<string, Codec | undefined>();

function parseContentType(contentType: string): Codec | undefined {
  const plus = contentType.indexOf('+');
  if (!contentType.startsWith('application/grpc') || plus < 0) return undefined;
  const sub = contentType.slice(plus + 1).split(';')[0]?.trim();
  return sub ? byName.get(sub) : undefined;
}
