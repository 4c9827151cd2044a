import type { Codec } from './codec.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** jsonCodec carries messages as proto3 canonical JSON. */
export const jsonCodec: Codec = {
  name: 'json',
  contentType: 'application/grpc+json',
  marshal: (type, message) => encoder.encode(JSON.stringify(type.toJSON(message))),
  unmarshal: (type, bytes) => type.fromJSON(JSON.parse(decoder.decode(bytes))),
};
