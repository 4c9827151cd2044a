import { performance } from 'node:perf_hooks';
import type { CallEnd, InterceptedCall, Interceptor, MessageHook, MethodDefinition, MethodKind, NextCall } from '@tsmicro/core';
import { Gauge, Registry } from 'prom-client';
import { grpcCodeLabel, grpcType } from './grpc-labels.js';
import { registerFamily } from './metric-family.js';

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

// grpc-go's and prom-client's default buckets, in seconds.
const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// The counts of one method on one side: plain numbers, bumped per call and
// message, read into samples only when /metrics is scraped. What depends on
// the side and the kind alone is worked out here, once per method.
class MethodSeries {
  started = 0;
  received = 0;
  sent = 0;
  /** Calls ended, by status code. */
  readonly handled: number[] = [];
  /** Handling-time observations per bucket (not cumulative; the last slot is +Inf). */
  readonly buckets: number[];
  seconds = 0;
  observed = 0;
  /** Hooks counting each message of a streamed request or response, on this side; undefined for a single message. */
  readonly requestHook: MessageHook | undefined;
  readonly responseHook: MessageHook | undefined;
  private readonly isServer: boolean;

  constructor(
    readonly side: 'server' | 'client',
    kind: MethodKind,
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Array<number>(bounds.length + 1).fill(0);
    this.isServer = side === 'server';
    // The server receives requests and sends responses; the client the other way round.
    const countReceived = (): undefined => {
      this.received++;
      return undefined;
    };
    const countSent = (): undefined => {
      this.sent++;
      return undefined;
    };
    if (kind === 'client_streaming' || kind === 'bidi_streaming') this.requestHook = this.isServer ? countReceived : countSent;
    if (kind === 'server_streaming' || kind === 'bidi_streaming') this.responseHook = this.isServer ? countSent : countReceived;
  }

  /** begun counts a call in and hooks its streamed messages. */
  begun(call: InterceptedCall): void {
    this.started++;
    if (this.requestHook !== undefined) call.onRequestMessage(this.requestHook);
    // The one request: the server has it as the call arrives, the client sends it now.
    else if (this.isServer) this.received++;
    else this.sent++;
    if (this.responseHook !== undefined) call.onResponseMessage(this.responseHook);
  }

  ended(code: number, seconds: number): void {
    // The one response came with an OK end.
    if (this.responseHook === undefined && code === 0) {
      if (this.isServer) this.sent++;
      else this.received++;
    }
    this.handled[code] = (this.handled[code] ?? 0) + 1;
    let i = 0;
    while (i < this.bounds.length && seconds > (this.bounds[i] as number)) i++;
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.seconds += seconds;
    this.observed++;
  }
}

// One side's five metric families over its methods' series.
class SideMetrics {
  private readonly methods = new Map<string, MethodSeries>();

  constructor(side: 'server' | 'client', registry: Registry, private readonly bounds: readonly number[]) {
    const all = () => [...this.methods.values()];
    const counter = (name: string, help: string, value: (s: MethodSeries) => number) =>
      registerFamily(registry, { name, help, type: 'counter', samples: () => all().map((s) => ({ value: value(s), labels: s.labels })) });
    counter(`grpc_${side}_started_total`, `Total number of RPCs started on the ${side}.`, (s) => s.started);
    counter(`grpc_${side}_msg_received_total`, `Total number of RPC stream messages received by the ${side}.`, (s) => s.received);
    counter(`grpc_${side}_msg_sent_total`, `Total number of gRPC stream messages sent by the ${side}.`, (s) => s.sent);
    registerFamily(registry, {
      name: `grpc_${side}_handled_total`,
      help: `Total number of RPCs completed on the ${side}, regardless of success or failure.`,
      type: 'counter',
      samples: () =>
        all().flatMap((s) =>
          s.handled.flatMap((n, code) => (n === undefined ? [] : [{ value: n, labels: { ...s.labels, grpc_code: grpcCodeLabel(code) } }])),
        ),
    });
    const histogram = `grpc_${side}_handling_seconds`;
    registerFamily(registry, {
      name: histogram,
      help:
        side === 'server'
          ? 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.'
          : 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
      type: 'histogram',
      samples: () =>
        all().flatMap((s) => {
          let cumulative = 0;
          const lines = s.buckets.map((n, i) => {
            cumulative += n;
            const le = i < bounds.length ? (bounds[i] as number) : '+Inf';
            return { value: cumulative, labels: { ...s.labels, le }, metricName: `${histogram}_bucket` };
          });
          return [
            ...lines,
            { value: s.seconds, labels: s.labels, metricName: `${histogram}_sum` },
            { value: s.observed, labels: s.labels, metricName: `${histogram}_count` },
          ];
        }),
    });
  }

  series(call: InterceptedCall): MethodSeries {
    const key = call.method.path;
    let s = this.methods.get(key);
    if (s === undefined) {
      const { kind } = call;
      s = new MethodSeries(call.side, kind, { grpc_type: grpcType(kind), grpc_service: call.service, grpc_method: call.method.name }, this.bounds);
      this.methods.set(key, s);
    }
    return s;
  }
}

/** createRpcMetrics makes the go-grpc-middleware metric families and the interceptor that feeds them. */
export function createRpcMetrics(options: RpcMetricsOptions = {}): RpcMetrics {
  const registry = options.registry ?? new Registry();
  const buckets = checkBuckets(options.buckets ?? defaultBuckets);
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
  const poolGauge = (name: string, help: string, value: (connections: readonly { readonly leases: number }[]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['address'],
      registers: [registry],
      collect() {
        this.reset();
        for (const pool of pools) for (const [address, stats] of Object.entries(pool())) this.set({ address }, value(stats.connections));
      },
    });
  poolGauge('tsmicro_client_pool_connections', 'Open pooled client connections, by server address.', (c) => c.length);
  poolGauge(
    'tsmicro_client_active_streams',
    'Calls in progress on pooled client connections, streams included, by server address.',
    (c) => c.reduce((n, x) => n + x.leases, 0),
  );

  const interceptor: Interceptor = (next) => {
    // A server composes a chain per route, so its calls all have one method;
    // a client's calls mostly repeat theirs. The series of the last one is
    // kept here, sparing a lookup by path per call.
    let lastMethod: MethodDefinition | undefined;
    let lastSeries: MethodSeries | undefined;
    return (call) => {
      const { method } = call;
      let s = lastSeries;
      if (method !== lastMethod || s === undefined || s.side !== call.side) {
        s = (call.side === 'server' ? server : client).series(call);
        lastMethod = method;
        lastSeries = s;
      }
      return counted(s, call, next);
    };
  };

  return {
    registry,
    interceptor,
    watchServer: (stats) => void servers.push(stats),
    watchPool: (stats) => void pools.push(stats),
  };
}

// counted counts a call into its method's series and runs the rest of the chain.
// The clock is perf_hooks' performance: the global one is an accessor, run on every read.
function counted(s: MethodSeries, call: InterceptedCall, next: NextCall): Promise<unknown> {
  s.begun(call);
  const begin = performance.now();
  call.onEnd((end: CallEnd) => s.ended(end.code, (performance.now() - begin) / 1000));
  return next(call);
}

function checkBuckets(buckets: readonly number[]): number[] {
  const sorted = [...buckets];
  if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (sorted[i - 1] as number)))) {
    throw new RangeError(`metrics buckets must be finite and strictly increasing, got [${buckets.join(', ')}]`);
  }
  return sorted;
}
