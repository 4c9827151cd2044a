import type { MessageType } from '../definition.js';

/**
 * Codec turns messages into bytes and back. It is chosen per call by content
 * type: "application/grpc" and "application/grpc+proto" mean proto,
 * "application/grpc+json" means json.
 */
export interface Codec {
  readonly name: string;
  /** Content type announced on the wire. */
  readonly contentType: string;
  marshal<T>(type: MessageType<T>, message: T): Uint8Array;
  /** unmarshal throws on malformed bytes. */
  unmarshal<T>(type: MessageType<T>, bytes: Uint8Array): T;
}
