import { DEFAULT_GRPC_KEEPALIVE } from './grpc/grpc-options.js';
import { DEFAULT_TCP_KEEPALIVE } from './tcp/tcp-options.js';
import type { KeepaliveOptions } from './transport.js';

/**
 * keepaliveDefaults are the keepalives a service uses on each socket transport
 * when its configuration sets none. gRPC peers may be grpc-go servers, which
 * answer pings more frequent than every 5 minutes with GOAWAY too_many_pings;
 * tcp has tsmicro on both ends, so it finds a frozen peer in 40 s instead of 320 s.
 */
export const keepaliveDefaults: Readonly<Record<'grpc' | 'tcp', KeepaliveOptions>> = Object.freeze({
  grpc: DEFAULT_GRPC_KEEPALIVE,
  tcp: DEFAULT_TCP_KEEPALIVE,
});
