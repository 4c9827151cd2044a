import type { SecureContextOptions } from 'node:tls';
import type { Metadata } from './metadata.js';
import type { Status, StatusError } from './status-error.js';

/**
 * Transport moves framed messages between a client and a server. It knows
 * nothing of codecs or handlers: a message is an opaque byte array, a call is
 * a stream of them in each direction plus headers and a final status.
 */
export interface Transport {
  /** name is how configuration refers to this transport ("grpc", "tcp", "memory"). */
  readonly name: string;
  /** dial opens one multiplexed connection; it resolves once the connection is ready. */
  dial(address: string, options?: DialOptions): Promise<Connection>;
  /** listen binds an address and hands every incoming stream to options.onStream. */
  listen(address: string, options: ListenOptions): Promise<Listener>;
}

/** TlsOptions configures TLS and mutual TLS the same way for every socket transport. */
export interface TlsOptions {
  /** PEM certificate chain of this side. */
  readonly cert?: string | Buffer;
  /** PEM private key of this side. */
  readonly key?: string | Buffer;
  /** PEM roots that the peer's certificate must chain to. */
  readonly ca?: string | Buffer;
  /** Server: ask for and verify a client certificate (mutual TLS). */
  readonly requireClientCert?: boolean;
  /** Client: the name the server certificate must carry (defaults to the host dialed). */
  readonly serverName?: string;
  /** Extra node:tls options, for what the fields above do not cover. */
  readonly extra?: SecureContextOptions;
}

/** KeepaliveOptions: ping an idle connection, and call it dead when a ping goes unanswered. */
export interface KeepaliveOptions {
  /** Milliseconds of idleness before a ping is sent. */
  readonly timeMs: number;
  /** Milliseconds to wait for the ping's answer before the connection counts as dead. */
  readonly timeoutMs: number;
}

/** ReconnectOptions: exponential backoff with jitter between reconnect attempts. */
export interface ReconnectOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** Fraction (0..1) of each delay that is randomised. */
  readonly jitter: number;
}

/** DialOptions are the client side's connection settings. */
export interface DialOptions {
  readonly tls?: TlsOptions;
  readonly keepalive?: KeepaliveOptions;
  readonly reconnect?: ReconnectOptions;
  /** Largest message accepted from the server, in bytes. */
  readonly maxMessageSize?: number;
  /** Give up connecting after this many milliseconds. */
  readonly connectTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** ListenOptions are the server side's settings. */
export interface ListenOptions {
  /** Called once for every new incoming stream. */
  readonly onStream: (stream: ServerStream) => void;
  readonly tls?: TlsOptions;
  readonly keepalive?: KeepaliveOptions;
  /** Largest message accepted from a client, in bytes. */
  readonly maxMessageSize?: number;
  /** Most streams one connection may have open at once. */
  readonly maxConcurrentStreams?: number;
}

/** ConnectionState is where a connection is in its life. */
export type ConnectionState = 'connecting' | 'ready' | 'closing' | 'closed';

/**
 * Connection is one multiplexed link to a server. Many streams share it at
 * once; a "closing" connection finishes the streams it has and takes no new ones.
 */
export interface Connection {
  readonly address: string;
  readonly state: ConnectionState;
  /** Streams currently open on this connection. */
  readonly activeStreams: number;
  /** Resolves (never rejects) once the connection is closed, for whatever reason. */
  readonly closed: Promise<void>;
  /**
   * openStream starts a call on path "/pkg.Service/Method". It never blocks:
   * failures (closed connection, refused stream) surface from the stream's
   * read() and write() as StatusError UNAVAILABLE.
   */
  openStream(method: string, metadata: Metadata, options?: StreamOptions): ClientStream;
  /** close stops new streams, lets open ones finish, then closes; after graceMs it cancels them. */
  close(graceMs?: number): Promise<void>;
}

/**
 * ACCEPTED is the promise write() returns when a transport took the message
 * at once. It is always resolved; a caller that wraps write()'s promise (to
 * convert its errors, say) can return it as it is instead, saving a promise
 * per message.
 */
export const ACCEPTED: Promise<void> = Promise.resolve();

/**
 * EncodedMessage is a message whose encoding is decided but not yet laid
 * out: its size, and how to write its bytes where a transport wants them.
 */
export interface EncodedMessage {
  readonly byteLength: number;
  /** encodeInto writes the byteLength bytes at target[offset], where that much room is free. */
  encodeInto(target: Buffer, offset: number): void;
}

/** AbortListener hears that a call can no longer complete, with `this` the object it was set with. */
export type AbortListener<C = unknown> = (this: C, reason: StatusError) => void;

/** CallKind is one of gRPC's four call kinds. */
export type CallKind = 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';

/** MethodInfo announces one served method to a listener. */
export interface MethodInfo {
  /** Path, "/pkg.Service/Method". */
  readonly path: string;
  /** Its kind; a transport may serve each kind its own cheapest way (bidi when absent). */
  readonly kind?: CallKind;
}

/** StreamOptions are per-call settings passed down to the transport. */
export interface StreamOptions {
  /**
   * Absolute deadline (ms since the epoch), carried to the server. The
   * transport enforces it: once it passes, the call ends with
   * DEADLINE_EXCEEDED "deadline exceeded" on the client and its server side
   * is aborted. Callers arm no timer of their own.
   */
  readonly deadline?: number;
  /** Content type of the messages, e.g. "application/grpc+proto" or "application/grpc+json". */
  readonly contentType?: string;
  /** Largest message this call accepts, overriding the connection's setting. */
  readonly maxMessageSize?: number;
  /**
   * The call's kind, when the caller knows it. Every kind is the same stream
   * on the wire, but a transport may carry a unary call more cheaply: it then
   * takes exactly one write before closeSend().
   */
  readonly kind?: CallKind;
}

/**
 * ClientStream is the caller's side of one call. Every kind of call (unary,
 * server, client or bidi streaming) is this same shape on the wire.
 */
export interface ClientStream {
  /** write sends one message; it resolves when flow control accepts it (a slow peer makes it wait). */
  write(message: Uint8Array): Promise<void>;
  /** closeSend half-closes: the server's read() then returns null. */
  closeSend(): void;
  /**
   * read returns the next message; null once the server ended with OK and
   * every message was read. It rejects with StatusError when the call ended
   * with any other status (after the messages that came before it).
   */
  read(): Promise<Uint8Array | null>;
  /** readWith is read() with its continuations applied in place; see ReadWith. Optional. */
  readWith?: ReadWith;
  /** readIn is readWith() for a reader that reads each message in place; see ReadIn. Optional. */
  readIn?: ReadIn;
  /** Response headers; resolves with empty metadata when the call ends without any. Never rejects. */
  readonly headers: Promise<Metadata>;
  /** The final status with the trailers; resolves once the call is over, whatever the code. Never rejects. */
  readonly status: Promise<Status>;
  /**
   * onEnd tells how the call ended through one callback, without a promise:
   * `done` is called once, with `self` as its `this`, when the call is over.
   * A unary-kind call (opened with kind 'unary') that sets it hands its one
   * reply there rather than to read(), so its caller writes the request,
   * half-closes, perhaps cancels, and waits for nothing else; a second reply
   * ends it INTERNAL. Other kinds' messages are read as ever. Set it right
   * after openStream; one set after the end is told on a microtask. One per
   * stream. Optional: without it, `status` (and `headers`) tell the end.
   */
  onEnd?<C>(done: EndListener<C>, self: C): void;
  /** cancel ends the call now (RST): both sides see the given status (CANCELLED by default). */
  cancel(code?: number, message?: string): void;
}

/**
 * ReadWith is `read().then(onMessage, (err) => { throw onFailure(err); })`
 * done inside the transport, with `self` as both continuations' `this`: the
 * read's own promise settles with the continuation's result, so a message
 * costs one promise and one microtask fewer, and the caller needs no
 * closure per call. onMessage gets null at a clean end; what it throws
 * rejects the read as it is.
 */
export type ReadWith = <T, C>(
  onMessage: (this: C, message: Uint8Array | null) => T,
  onFailure: (this: C, err: StatusError) => unknown,
  self: C,
) => Promise<T>;

/**
 * ReadIn is readWith for a reader that reads each message where it lies:
 * onMessage gets it as bytes[start, end) of the bytes it arrived in (never
 * written to again, so views of them may be kept), and null bytes at a
 * clean end. A message then costs no view of its own, where a transport
 * receives many into one buffer.
 */
export type ReadIn = <T, C>(
  onMessage: (this: C, bytes: Uint8Array | null, start: number, end: number) => T,
  onFailure: (this: C, err: StatusError) => unknown,
  self: C,
) => Promise<T>;

/**
 * EndListener hears how a call ended (see ClientStream.onEnd): the one reply
 * of a unary-kind call, or null when it did not end OK with one (always
 * null for the other kinds, whose messages are read); the response headers,
 * empty when none came; and the final status, whose metadata are the trailers.
 */
export type EndListener<C> = (this: C, reply: Uint8Array | null, headers: Metadata, status: Status) => void;

/** ServerStream is the handler's side of one call. */
export interface ServerStream {
  /** Path of the call, "/pkg.Service/Method". */
  readonly method: string;
  /** Request headers. */
  readonly metadata: Metadata;
  /** Absolute deadline (ms since the epoch) that the client set, if any. */
  readonly deadline: number | undefined;
  /**
   * endsAtDeadline is true when the transport itself aborts this server side
   * at `deadline`, with a DEADLINE_EXCEEDED reason, so the framework needs no
   * timer of its own per call. Optional: absent means the framework times it.
   */
  readonly endsAtDeadline?: boolean;
  /** Content type the client sent, if the transport carries one. */
  readonly contentType: string | undefined;
  /** Address of the peer, "host:port". */
  readonly peer: string;
  /**
   * Aborted when the call can no longer complete: the client cancelled, the
   * connection died, or the listener force-closed. The reason is a StatusError.
   */
  readonly signal: AbortSignal;
  /**
   * onAbort sets one listener for the same event as `signal`, called once
   * with the same reason (on a microtask when the call was already aborted)
   * and with `self` as `this`; undefined removes it. It is how the framework
   * follows a call without paying for an AbortSignal, or a closure, per call.
   */
  onAbort<C>(listener: AbortListener<C> | undefined, self?: C): void;
  /** read returns the next message; null once the client half-closed. Rejects with StatusError if the call died. */
  read(): Promise<Uint8Array | null>;
  /**
   * takeNow takes the next message when one is already there, at once;
   * undefined when none is (read() then waits for it). Optional: it spares
   * a unary handler's request a promise where the transport delivers a call
   * with its request in.
   */
  takeNow?(): Uint8Array | undefined;
  /**
   * takeNowWith is takeNow() for a reader that reads the message in place:
   * use(bytes, start, end), called with `self` as `this`, reads the message
   * bytes[start, end) (bytes as received, never written to again: use may
   * keep views of them) and what it returns is returned; undefined when no message is there (use must not return
   * undefined). Optional: it spares the message a view of its own.
   */
  takeNowWith?<T, C>(use: (this: C, bytes: Uint8Array, start: number, end: number) => T, self: C): T | undefined;
  /** readWith is read() with its continuations applied in place; see ReadWith. Optional. */
  readWith?: ReadWith;
  /** readIn is readWith() for a reader that reads each message in place; see ReadIn. Optional. */
  readIn?: ReadIn;
  /** write sends one message; it resolves when flow control accepts it. Rejects with StatusError if the call died. */
  write(message: Uint8Array): Promise<void>;
  /**
   * writeEncoded is write() for a message not yet laid out in bytes: a
   * transport that batches writes lays it out in place, sparing a buffer
   * and a copy per message. Optional.
   */
  writeEncoded?(message: EncodedMessage): Promise<void>;
  /** sendHeaders sends response headers now; otherwise they go with the first message or the status. */
  sendHeaders(metadata: Metadata): void;
  /** finish ends the call with a status and trailers. Later calls are ignored. */
  finish(status: Status): void;
}

/**
 * Listener is a bound server socket (or in-process endpoint). close() stops
 * taking new connections and streams, waits up to graceMs for open streams
 * to finish, then cancels what is left with UNAVAILABLE.
 */
export interface Listener {
  /** The address actually bound, "host:port" (the real port when 0 was asked for). */
  readonly address: string;
  /** Open connections from clients. */
  readonly connections: number;
  /** Connections closed for abuse (GOAWAY ENHANCE_YOUR_CALM, e.g. reset floods), when the transport counts them. */
  readonly abusiveConnections?: number;
  /**
   * addMethods announces the methods the server serves. Transports that need
   * to know them up front (grpc) register them; the others ignore the call.
   */
  addMethods(methods: readonly MethodInfo[]): void;
  close(graceMs?: number): Promise<void>;
}
