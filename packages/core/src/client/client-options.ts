import type { Connection, Transport } from '@tsmicro/transport';
import type { HandlerContainer } from '../container.js';
import type { InterceptorLike } from '../interceptor/interceptor.js';
import type { RetryBackoff } from '../retry-policy.js';
import type { Selector } from '../selector/selector.js';
import type { Logger } from '../logger/logger.js';

/** ConnectionLease is a connection held for one call's whole life. */
export interface ConnectionLease {
  readonly connection: Connection;
  release(): void;
}

/** ConnectionSource hands out pooled connections per address. */
export interface ConnectionSource {
  acquire(address: string, options: { signal?: AbortSignal; deadline?: number }): Promise<ConnectionLease>;
  /** A lease at once when one is free without waiting or dialing, else undefined (then acquire is used). */
  tryAcquire?(address: string): ConnectionLease | undefined;
  close(): Promise<void>;
}

/** AddressResolver picks the node address for a service name (registry + selector). */
export type AddressResolver = (service: string) => Promise<string> | string;

/** ClientOptions configure a Client; defaults resolve once in createClient. */
export interface ClientOptions {
  /** Transport of `connections`: used for `address` calls and for nodes that name no transport. */
  readonly transport: Transport;
  /** Where connections come from; a connection pool over `transport` in the normal case. */
  readonly connections: ConnectionSource;
  /**
   * connectionsFor returns the connections of another transport, by name, for
   * nodes registered on it; undefined means this client cannot reach such
   * nodes and the selector skips them. Every source it returned is closed by close().
   */
  readonly connectionsFor?: (transport: string) => ConnectionSource | undefined;
  /**
   * Transports in order of preference; each node is reached over the first
   * one it offers and this client has, then the next if dialing fails.
   * "in-process" reaches a node this process serves through `memory`.
   * Default in-process, tcp, grpc, memory.
   */
  readonly transports?: readonly string[];
  /** How long a route whose dial failed is passed over for that node (default 10 000 ms). */
  readonly failedDialMs?: number;
  /**
   * Chooses nodes by service name: each attempt takes the next node and
   * reports its outcome with mark() (an error only for UNAVAILABLE).
   */
  readonly selector?: Selector;
  /** Finds a service's address when there is no selector and a call names no `address`. */
  readonly resolve?: AddressResolver;
  /** Default codec; else the node's `metadata.codec`, else "proto". */
  readonly codec?: string;
  /**
   * Timeout in ms of a unary call that sets none (none by default). Streams
   * get no default deadline: tickers and chats live as long as they are used.
   */
  readonly unaryTimeoutMs?: number;
  /** Extra attempts for a call that failed with UNAVAILABLE where that is safe (default 0). */
  readonly retries?: number;
  /** Waits between attempts (default 100 ms doubling to 1 s, half of each wait random). */
  readonly retryBackoff?: RetryBackoff;
  /**
   * Interceptors of every call, run per attempt once its node is chosen,
   * outermost first; CallOptions.interceptors run inside them.
   */
  readonly interceptors?: readonly InterceptorLike[];
  /** Where the client logs what it cannot throw to a caller (a failing onEnd listener); default core's console logger. */
  readonly logger?: Logger;
  /** typedi container interceptor classes are built from (typedi's default). */
  readonly container?: HandlerContainer;
  /** Called once by close(), after the connections closed (to stop a selector's watch). */
  readonly onClose?: () => void;
}
