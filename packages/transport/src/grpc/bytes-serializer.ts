/** serializeBytes hands our bytes to grpc-js as a Buffer view, without copying. */
export function serializeBytes(message: Uint8Array): Buffer {
  return Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
}

/** deserializeBytes views grpc-js's Buffer as a plain Uint8Array, without copying. */
export function deserializeBytes(bytes: Buffer): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
