import type { Metadata } from '@tsmicro/transport';

// The Say-style stream interfaces of DESIGN.md "Streams". Generated code
// names them per method (Say_StreamService = ServerStreamClient<SResponse>).
// recv() rejects with EOF at a clean end of stream and with a MicroError on
// failure; async iteration ends at EOF and throws on failure.

/** StreamMeta is what every client-side stream knows of the server's headers and trailers. */
export interface StreamMeta {
  /** Response headers, once the server sent them (empty if it sent none). */
  header(): Promise<Metadata>;
  /** Trailers, once the call is over. */
  trailer(): Promise<Metadata>;
}

/**
 * ServerStreamClient is the caller's side of a server-streaming call.
 * Leaving a `for await` loop over it early (break, return, throw) cancels
 * the call, as it would an async generator.
 */
export interface ServerStreamClient<O> extends StreamMeta, AsyncIterable<O> {
  recv(): Promise<O>;
  recvMsg(): Promise<O>;
  /** sendMsg is not allowed once the request went out; it rejects with FAILED_PRECONDITION. */
  sendMsg(message: never): Promise<void>;
  /** close cancels the call and releases its connection slot. */
  close(): void;
}

/** ClientStreamClient is the caller's side of a client-streaming call. */
export interface ClientStreamClient<I, O> extends StreamMeta {
  send(message: I): Promise<void>;
  sendMsg(message: I): Promise<void>;
  /** closeAndRecv half-closes and waits for the one reply. */
  closeAndRecv(): Promise<O>;
  /** recvMsg waits for the one reply (after closeSend or closeAndRecv). */
  recvMsg(): Promise<O>;
  closeSend(): void;
  close(): void;
}

/** BidiStreamClient is the caller's side of a bidirectional call; leaving a `for await` loop early cancels it. */
export interface BidiStreamClient<I, O> extends StreamMeta, AsyncIterable<O> {
  send(message: I): Promise<void>;
  sendMsg(message: I): Promise<void>;
  recv(): Promise<O>;
  recvMsg(): Promise<O>;
  /**
   * closeSend half-closes: the server's recv() sees EOF; replies may still
   * come. A send after it rejects with FAILED_PRECONDITION.
   */
  closeSend(): void;
  close(): void;
}

/** ServerStreamServer is the handler's side of a server-streaming call. */
export interface ServerStreamServer<O> {
  /** send resolves once the transport accepted the message: a slow reader slows the handler. */
  send(message: O): Promise<void>;
  sendMsg(message: O): Promise<void>;
  /** recvMsg is not allowed: the one request is the handler's argument. */
  recvMsg(): Promise<never>;
  /** close ends the stream with OK now. */
  close(): void;
}

/** ClientStreamServer is the handler's side of a client-streaming call; the handler returns the reply. */
export interface ClientStreamServer<I> extends AsyncIterable<I> {
  recv(): Promise<I>;
  recvMsg(): Promise<I>;
  close(): void;
}

/** BidiStreamServer is the handler's side of a bidirectional call. */
export interface BidiStreamServer<I, O> extends AsyncIterable<I> {
  recv(): Promise<I>;
  recvMsg(): Promise<I>;
  send(message: O): Promise<void>;
  sendMsg(message: O): Promise<void>;
  close(): void;
}
