import type { Codec } from './codec.js';

/** protoCodec is the protobuf binary codec, the default. */
export const protoCodec: Codec = {
  name: 'proto',
  contentType: 'application/grpc+proto',
  marshal: (type, message) => type.encode(message),
  unmarshal: (type, bytes) => type.decode(bytes),
  unmarshalIn: (type, bytes, start, end) => (type.decodeIn !== undefined ? type.decodeIn(bytes, start, end) : type.decode(bytes.subarray(start, end))),
  marshalLater: (type, message) => type.encodeLater?.(message),
};
