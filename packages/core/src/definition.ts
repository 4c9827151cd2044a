import type { CallKind, EncodedMessage } from '@tsmicro/transport';

/**
 * MessageType binds one protobuf message type to its encoding. Generated
 * code and the run-time .proto loader both produce these.
 */
export interface MessageType<T> {
  /** Full protobuf name, e.g. "greeter.HelloRequest". */
  readonly typeName: string;
  encode(message: T): Uint8Array;
  /**
   * encodeLater is encode() with the bytes not laid out yet, for a transport
   * that lays them out in its write batch. Optional.
   */
  encodeLater?(message: T): EncodedMessage;
  /** decode throws on malformed bytes. */
  decode(bytes: Uint8Array): T;
  /**
   * decodeIn is decode(bytes.subarray(start, end)) without the view: the
   * message is read where it lies in the bytes it came in. Optional.
   */
  decodeIn?(bytes: Uint8Array, start: number, end: number): T;
  /** toJSON gives proto3's canonical JSON form. */
  toJSON(message: T): unknown;
  /** fromJSON reads proto3's canonical JSON form; throws on bad input. */
  fromJSON(json: unknown): T;
}

/** MethodKind is one of gRPC's four call kinds. */
export type MethodKind = CallKind;

/** MethodDefinition describes one rpc of a service. */
export interface MethodDefinition<I = unknown, O = unknown> {
  /** Name as written in the .proto, e.g. "SayHello". */
  readonly name: string;
  /** Name of the handler and stub method, e.g. "sayHello". */
  readonly localName: string;
  /** gRPC path, "/greeter.Greeter/SayHello". */
  readonly path: string;
  readonly kind: MethodKind;
  readonly requestType: MessageType<I>;
  readonly responseType: MessageType<O>;
  /** Safe to retry on UNAVAILABLE (proto option idempotency_level, or set by hand). */
  readonly idempotent?: boolean;
}

/** ServiceDefinition describes one protobuf service: its full name and methods by localName. */
export interface ServiceDefinition {
  /** Full protobuf name, "greeter.Greeter". */
  readonly typeName: string;
  // Methods are typed loosely here so that generated definitions with exact
  // message types are assignable; the generated stubs keep the exact types.
  // biome-ignore lint/suspicious/noExplicitAny: variance escape hatch, see above
  readonly methods: Readonly<Record<string, MethodDefinition<any, any>>>;
}
