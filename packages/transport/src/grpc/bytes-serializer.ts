/** serializeBytes hands our bytes to grpc-js as a Buffer view, without copying. */
export function serializeBytes(message: Uint8Array): Buffer {
  return Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
}

/** deserializeBytes passes grpc-js's bytes through: a Buffer is a Uint8Array. */
export function deserializeBytes(bytes: Buffer): Uint8Array {
  return bytes;
}
