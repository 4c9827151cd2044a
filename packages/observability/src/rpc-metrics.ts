import type { CallEnd, InterceptedCall, Interceptor } from '@tsmicro/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { grpcCodeLabel, grpcType } from './grpc-labels.js';

/** RpcMetricsOptions configure createRpcMetrics. */
export interface RpcMetricsOptions {
  /** Registry the metrics join; default a new one (prom-client's global `register` works too). */
  readonly registry?: Registry;
  /** Buckets of the handling-seconds histograms; default prom-client's (grpc-go's) 5 ms to 10 s. */
  readonly buckets?: readonly number[];
}

/** ServerStatsSource reports a server's open calls and connections (Server.stats fits). */
export type ServerStatsSource = () => { readonly activeStreams: number; readonly connections: number };

/** PoolStatsSource reports a client's pooled connections by address (Service.poolStats fits). */
export type PoolStatsSource = () => Readonly<Record<string, { readonly connections: readonly { readonly leases: number }[] }>>;

/**
 * RpcMetrics counts calls under go-grpc-middleware's metric names, so the
 * Prometheus dashboards and alerts users already have for gRPC services work
 * on tsmicro services unchanged.
 */
export interface RpcMetrics {
  readonly registry: Registry;
  /** interceptor records server calls in a server list and client attempts in a client list. */
  readonly interceptor: Interceptor;
  /** watchServer reports a server's open calls and connections as gauges. */
  watchServer(stats: ServerStatsSource): void;
  /** watchPool reports a client pool's open connections and active streams as gauges. */
  watchPool(stats: PoolStatsSource): void;
}

const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;

// One side's metric families, and the label-bound children of each method,
// bound once so a call increments without hashing its labels.
class SideMetrics {
  private readonly started: Counter<string>;
  private readonly handled: Counter<string>;
  private readonly received: Counter<string>;
  private readonly sent: Counter<string>;
  private readonly seconds: Histogram<string>;
  private readonly methods = new Map<string, MethodSeries>();

  constructor(side: 'server' | 'client', registry: Registry, buckets: number[] | undefined) {
    const what = side === 'server' ? 'RPCs started on the server' : 'RPCs started by the client';
    const common = { registers: [registry], labelNames };
    this.started = new Counter({ name: `grpc_${side}_started_total`, help: `Total number of ${what}.`, ...common });
    this.handled = new Counter({
      name: `grpc_${side}_handled_total`,
      help: `Total number of RPCs completed on the ${side}, regardless of success or failure.`,
      registers: [registry],
      labelNames: [...labelNames, 'grpc_code'],
    });
    this.received = new Counter({
      name: `grpc_${side}_msg_received_total`,
      help: `Total number of RPC stream messages received by the ${side}.`,
      ...common,
    });
    this.sent = new Counter({ name: `grpc_${side}_msg_sent_total`, help: `Total number of gRPC stream messages sent by the ${side}.`, ...common });
    this.seconds = new Histogram({
      name: `grpc_${side}_handling_seconds`,
      help: side === 'server' ? 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.' : 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
      ...common,
      ...(buckets ? { buckets } : {}),
    });
  }

  series(call: InterceptedCall): MethodSeries {
    const key = call.method.path;
    let s = this.methods.get(key);
    if (s === undefined) {
      const labels = { grpc_type: grpcType(call.kind), grpc_service: call.service, grpc_method: call.method.name };
      s = {
        labels,
        started: this.started.labels(labels),
        received: this.received.labels(labels),
        sent: this.sent.labels(labels),
        seconds: this.seconds.labels(labels),
        handled: [],
        handledFamily: this.handled,
      };
      this.methods.set(key, s);
    }
    return s;
  }
}

interface MethodSeries {
  readonly labels: Record<string, string>;
  readonly started: Counter.Internal;
  readonly received: Counter.Internal;
  readonly sent: Counter.Internal;
  readonly seconds: Histogram.Internal<string>;
  readonly handled: Counter.Internal[];
  readonly handledFamily: Counter<string>;
}

function handledFor(s: MethodSeries, code: number): Counter.Internal {
  let child = s.handled[code];
  if (child === undefined) {
    child = s.handledFamily.labels({ ...s.labels, grpc_code: grpcCodeLabel(code) });
    s.handled[code] = child;
  }
  return child;
}

/** createRpcMetrics makes the go-grpc-middleware metric families and the interceptor that feeds them. */
export function createRpcMetrics(options: RpcMetricsOptions = {}): RpcMetrics {
  const registry = options.registry ?? new Registry();
  const buckets = options.buckets ? [...options.buckets] : undefined;
  const server = new SideMetrics('server', registry, buckets);
  const client = new SideMetrics('client', registry, buckets);
  const servers: ServerStatsSource[] = [];
  const pools: PoolStatsSource[] = [];

  new Gauge({
    name: 'tsmicro_server_active_streams',
    help: 'Calls in progress on the server, streams included.',
    registers: [registry],
    collect() {
      this.set(servers.reduce((n, s) => n + s().activeStreams, 0));
    },
  });
  new Gauge({
    name: 'tsmicro_server_connections',
    help: 'Open client connections to the server.',
    registers: [registry],
    collect() {
      this.set(servers.reduce((n, s) => n + s().connections, 0));
    },
  });
  new Gauge({
    name: 'tsmicro_client_pool_connections',
    help: 'Open pooled client connections, by server address.',
    labelNames: ['address'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [address, stats] of poolEntries(pools)) this.set({ address }, stats.connections.length);
    },
  });
  new Gauge({
    name: 'tsmicro_client_active_streams',
    help: 'Calls in progress on pooled client connections, streams included, by server address.',
    labelNames: ['address'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [address, stats] of poolEntries(pools)) {
        this.set({ address }, stats.connections.reduce((n, c) => n + c.leases, 0));
      }
    },
  });

  const interceptor: Interceptor = (next) => (call) => {
    const isServer = call.side === 'server';
    const s = (isServer ? server : client).series(call);
    const kind = call.kind;
    const requestStream = kind === 'client_streaming' || kind === 'bidi_streaming';
    const responseStream = kind === 'server_streaming' || kind === 'bidi_streaming';
    // The server receives requests and sends responses; the client the other way round.
    const [requests, responses] = isServer ? [s.received, s.sent] : [s.sent, s.received];
    s.started.inc();
    const begin = performance.now();
    if (requestStream) {
      call.onRequestMessage(() => {
        requests.inc();
        return undefined;
      });
    } else {
      // The one request message: the server has it as the call arrives; the client sends it now.
      requests.inc();
    }
    if (responseStream) {
      call.onResponseMessage(() => {
        responses.inc();
        return undefined;
      });
    }
    call.onEnd((end: CallEnd) => {
      if (!responseStream && end.code === 0) responses.inc();
      handledFor(s, end.code).inc();
      s.seconds.observe((performance.now() - begin) / 1000);
    });
    return next(call);
  };

  return {
    registry,
    interceptor,
    watchServer: (stats) => void servers.push(stats),
    watchPool: (stats) => void pools.push(stats),
  };
}

function* poolEntries(pools: readonly PoolStatsSource[]): Iterable<[string, { readonly connections: readonly { readonly leases: number }[] }]> {
  for (const pool of pools) yield* Object.entries(pool());
}
