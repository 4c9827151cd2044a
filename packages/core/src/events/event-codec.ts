import type { Codec } from '../codec/codec.js';
import { jsonCodec } from '../codec/json-codec.js';
import { protoCodec } from '../codec/proto-codec.js';
import { BrokerError } from '../broker/broker-error.js';

// Events are not gRPC calls, so they carry the plain media types.
const contentTypes = new Map<string, Codec>([
  ['application/protobuf', protoCodec],
  ['application/json', jsonCodec],
]);

/** eventContentType is the content-type header of events encoded with the codec named `codec`. */
export function eventContentType(codec: string): string {
  return codec === 'json' ? 'application/json' : 'application/protobuf';
}

/** eventCodecFor picks the codec of an incoming event; no content type means protobuf. */
export function eventCodecFor(contentType: string | undefined): Codec {
  if (contentType === undefined) return protoCodec;
  const codec = contentTypes.get(contentType) ?? contentTypes.get(contentType.split(';')[0]?.trim().toLowerCase() ?? '');
  if (!codec) {
    throw new BrokerError(`content type ${JSON.stringify(contentType)} is not one events are decoded from: accepted are ${[...contentTypes.keys()].join(', ')}`);
  }
  return codec;
}
