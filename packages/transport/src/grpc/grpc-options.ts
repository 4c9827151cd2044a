import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { DialOptions, KeepaliveOptions, ListenOptions, TlsOptions } from '../transport.js';

/** DEFAULT_MAX_MESSAGE_SIZE is gRPC's usual receive limit, 4 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/**
 * DEFAULT_GRPC_KEEPALIVE is what a service configures on grpc when its config
 * sets no keepalive: grpc-go servers answer pings more frequent than every
 * 5 minutes with GOAWAY too_many_pings; 20 s is gRPC's keepalive timeout.
 */
export const DEFAULT_GRPC_KEEPALIVE: KeepaliveOptions = Object.freeze({ timeMs: 300_000, timeoutMs: 20_000 });

/** DEFAULT_CONNECT_TIMEOUT_MS bounds dial() when DialOptions.connectTimeoutMs is unset. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** channelOptionsFromDial builds the grpc-js options of one client channel. */
export function channelOptionsFromDial(options: DialOptions, extra: grpc.ChannelOptions = {}): grpc.ChannelOptions {
  const out: grpc.ChannelOptions = {
    // Retries would buffer our messages in grpc-js (stalling small client-stream
    // writes and hiding backpressure); tsmicro retries above the transport.
    'grpc.per_rpc_retry_buffer_size': 0,
    // Without a private subchannel pool grpc-js shares one HTTP/2 connection
    // between all clients of a target, and the pool counts connections itself.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    // As on servers: channelz's counters, timestamps and closures cost every
    // call on the channel, subchannel and connection, and nothing reads them.
    'grpc.enable_channelz': 0,
    ...extra,
  };
  if (options.keepalive) {
    out['grpc.keepalive_time_ms'] = options.keepalive.timeMs;
    out['grpc.keepalive_timeout_ms'] = options.keepalive.timeoutMs;
    out['grpc.keepalive_permit_without_calls'] = 1;
  }
  if (options.reconnect) {
    // grpc-js fixes the multiplier (1.6) and jitter (0.2); only the bounds are settable.
    out['grpc.initial_reconnect_backoff_ms'] = options.reconnect.initialMs;
    out['grpc.max_reconnect_backoff_ms'] = options.reconnect.maxMs;
  }
  if (options.tls?.serverName) {
    out['grpc.ssl_target_name_override'] = options.tls.serverName;
    out['grpc.default_authority'] = options.tls.serverName;
  }
  return out;
}

/** serverOptionsFromListen builds the grpc-js options of a listener's server. */
export function serverOptionsFromListen(options: ListenOptions, extra: grpc.ServerOptions = {}): grpc.ServerOptions {
  const out: grpc.ServerOptions = {
    'grpc.max_receive_message_length': options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    // Channelz bookkeeping costs every call (and every stream a reset flood
    // opens) and nothing in tsmicro reads it; serverOptions can turn it back on.
    'grpc.enable_channelz': 0,
    ...extra,
  };
  if (options.maxConcurrentStreams !== undefined) out['grpc.max_concurrent_streams'] = options.maxConcurrentStreams;
  if (options.keepalive) {
    out['grpc.keepalive_time_ms'] = options.keepalive.timeMs;
    out['grpc.keepalive_timeout_ms'] = options.keepalive.timeoutMs;
    out['grpc.keepalive_permit_without_calls'] = 1;
  }
  return out;
}

/** channelCredentialsFromTls returns TLS credentials for a client, or insecure ones without TLS options. */
export function channelCredentialsFromTls(tls: TlsOptions | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const context = createSecureContext({
    ...tls.extra,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
  });
  return grpc.credentials.createFromSecureContext(context);
}

/**
 * serverCredentialsFromTls returns TLS credentials for a server, or insecure
 * ones without TLS options. grpc-js takes only PEM roots, key and chain
 * here, so TlsOptions.extra is not applied on the server side.
 */
export function serverCredentialsFromTls(tls: TlsOptions | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  if (tls.cert === undefined || tls.key === undefined) {
    throw new TypeError('a TLS listener needs both tls.cert and tls.key');
  }
  return grpc.ServerCredentials.createSsl(
    tls.ca !== undefined ? Buffer.from(tls.ca) : null,
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    tls.requireClientCert ?? false,
  );
}
