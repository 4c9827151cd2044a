import { poolDefaults } from '@tsmicro/transport';
import type { ResolvedConfig } from './schema.js';

/**
 * defaults is the configuration used where code, environment and file are
 * silent. Each value's reason is beside it; the table in the config README
 * repeats them for users.
 */
export const defaults: ResolvedConfig = deepFreeze({
  // go-micro names an unnamed server "go.micro.server"; services should set their own.
  name: 'tsmicro.server',
  version: 'latest',
  // Wire-compatible with every gRPC implementation, so the safe default between processes;
  // in-process setups (tests, the demo) ask for 'memory' explicitly.
  transport: ['grpc'],
  // Protobuf is what stock gRPC peers speak.
  codec: 'proto',
  server: {
    // All IPv4 interfaces and a free port, as go-micro's ":0": a registered service must be
    // reachable from other hosts, and the registry records the port actually bound.
    address: '0.0.0.0:0',
    // None: the first transport listens on server.address, each other one on its host and a free port.
    addresses: {},
    // Ten seconds lets typical unary calls finish on shutdown without stalling a deploy.
    graceMs: 10_000,
    // gRPC's default receive limit, so tsmicro and stock peers agree on what is too big.
    maxMessageSize: 4 * 1024 * 1024,
    // Bounds per-connection memory, yet sits well above the 100 streams the client pool
    // puts on a connection, so a stock client on a single connection is not throttled.
    maxConcurrentStreams: 1000,
    // Stock tooling (grpc_health_probe, grpcurl, load balancers) expects both on a gRPC server.
    health: true,
    reflection: true,
  },
  registry: {
    // Needs no server: right for one process; several processes need etcd.
    kind: 'memory',
    // Empty: the registry's own default endpoint (etcd: 127.0.0.1:2379).
    address: [],
    // A crashed node leaves discovery within 30 s ...
    ttlMs: 30_000,
    // ... and a live one renews three times per TTL, so one lost renewal does not drop it.
    intervalMs: 10_000,
  },
  broker: {
    // Needs no server: right for one process and tests; several processes need nats.
    kind: 'memory',
    // Empty: the broker's own default (NATS: 127.0.0.1:4222).
    address: [],
    // Long enough to ride out a broker restart or a leader election, short enough to surface a wrong address.
    timeoutMs: 5_000,
  },
  client: {
    poolSize: poolDefaults.poolSize,
    poolTtlMs: poolDefaults.ttlMs,
    maxStreamsPerConnection: poolDefaults.maxStreamsPerConnection,
    // go-micro's request timeout: long enough for a slow call, short enough to surface a hang.
    timeoutMs: 5_000,
    // One retry rides out a node that just died without doubling load on a struggling one.
    retries: 1,
    retryBackoff: { initialMs: 100, maxMs: 1_000, multiplier: 2 },
    // Cheapest first: no socket at all, then tsmicro's own framing, then HTTP/2; memory nodes are
    // reachable only within their process anyway.
    transports: ['in-process', 'tcp', 'grpc', 'memory'],
  },
  // Each transport's own (keepaliveDefaults): grpc peers may be grpc-go servers, which answer pings
  // more frequent than every 5 minutes with GOAWAY ("too_many_pings"); tcp has tsmicro on both ends
  // and pings every 30 s, so a frozen peer is found in 40 s.
  keepalive: {},
  log: {
    // No dependency and readable in a terminal; pino is one setting away.
    kind: 'console',
    // Lifecycle lines (listening, registered, stopped) and warnings, not per-call noise.
    level: 'info',
    // One line per call is too much for a busy service unless asked for.
    calls: false,
  },
  // Metrics need an HTTP port nobody asked to open: off until metrics.address is set.
  metrics: {},
  // Tracing costs a little per call and does nothing until an OpenTelemetry SDK is registered.
  tracing: { enabled: false },
  // The gRPC connection-backoff defaults (doc/connection-backoff.md in the gRPC repo).
  reconnect: { initialMs: 1_000, maxMs: 120_000, multiplier: 1.6, jitter: 0.2 },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
