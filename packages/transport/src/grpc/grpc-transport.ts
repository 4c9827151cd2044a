import type * as grpc from '@grpc/grpc-js';
import type { Connection, DialOptions, Listener, ListenOptions, Transport } from '../transport.js';
import { dialGrpc } from './grpc-connection.js';
import { diagnoseDial } from './grpc-dial-diagnosis.js';
import { GrpcListener } from './grpc-listener.js';
import { DEFAULT_RESET_LIMITS, type ResetLimits, checkResetLimits } from './session-guard.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  channelCredentialsFromTls,
  channelOptionsFromDial,
  serverCredentialsFromTls,
  serverOptionsFromListen,
} from './grpc-options.js';

/** GrpcTransportOptions tunes grpc-js beyond what DialOptions and ListenOptions say. */
export interface GrpcTransportOptions {
  /** Extra grpc-js channel options for every dialed connection ("grpc.*" keys). */
  readonly channelOptions?: grpc.ChannelOptions;
  /** Extra grpc-js server options for every listener. */
  readonly serverOptions?: grpc.ServerOptions;
  /**
   * Streams one client connection may reset (a burst, then a rate) before the
   * server closes it with GOAWAY ENHANCE_YOUR_CALM (default 900, then 33 a
   * second: below Node's own HTTP/2 guard, which would leave the socket open),
   * the server's budget over all connections, and the burst each connection
   * gets while the server is flooded (see docs/security.md).
   */
  readonly resetLimits?: ResetLimits;
}

/**
 * createGrpcTransport returns the "grpc" transport: standard gRPC over
 * HTTP/2 through @grpc/grpc-js, wire-compatible with any gRPC peer.
 * Messages stay opaque bytes; grpc-js only moves them.
 */
export function createGrpcTransport(options: GrpcTransportOptions = {}): Transport {
  const resetLimits = checkResetLimits(options.resetLimits ?? DEFAULT_RESET_LIMITS);
  return {
    name: 'grpc',
    dial(address: string, dialOptions: DialOptions = {}): Promise<Connection> {
      return dialGrpc(
        address,
        channelCredentialsFromTls(dialOptions.tls),
        channelOptionsFromDial(dialOptions, options.channelOptions),
        dialOptions.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        dialOptions.signal,
        () => diagnoseDial(address, dialOptions.tls),
      );
    },
    async listen(address: string, listenOptions: ListenOptions): Promise<Listener> {
      return GrpcListener.bind(
        address,
        listenOptions,
        serverCredentialsFromTls(listenOptions.tls),
        serverOptionsFromListen(listenOptions, options.serverOptions),
        resetLimits,
      );
    },
  };
}
