import type { EncodedMessage } from '@tsmicro/transport';
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
  /**
   * marshalLater is marshal() with the bytes not laid out yet (see
   * MessageType.encodeLater); undefined when the type cannot. Optional.
   */
  marshalLater?<T>(type: MessageType<T>, message: T): EncodedMessage | undefined;
  /** unmarshal throws on malformed bytes. */
  unmarshal<T>(type: MessageType<T>, bytes: Uint8Array): T;
  /** unmarshalIn is unmarshal(type, bytes.subarray(start, end)), without the view where it can. Optional. */
  unmarshalIn?<T>(type: MessageType<T>, bytes: Uint8Array, start: number, end: number): T;
}
