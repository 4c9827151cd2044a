import type { ConnectionState } from './transport.js';

/** ConnectionStats describes one pooled connection. */
export interface ConnectionStats {
  readonly state: ConnectionState;
  /** Calls currently holding a lease on this connection (what the pool counts against its limit). */
  readonly leases: number;
  /** Streams the transport itself reports open (may lag leases by a tick). */
  readonly activeStreams: number;
}

/** AddressStats describes the pool's view of one address. */
export interface AddressStats {
  readonly connections: readonly ConnectionStats[];
  /** Dials in flight. */
  readonly dialing: number;
  /** Acquires waiting for a free stream slot. */
  readonly waiting: number;
}

/** PoolStats maps each address ("host:port") the pool knows to its stats. */
export type PoolStats = Readonly<Record<string, AddressStats>>;
