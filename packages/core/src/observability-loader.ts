import type { ResolvedConfig } from './config/index.js';
import type { Interceptor, NextCall } from './interceptor/interceptor.js';
import type { Logger } from './logger/logger.js';
import { importOptional } from './optional-package.js';

/** observabilityPackage is the package newService loads when configuration turns on pino, the access log, metrics or tracing. */
export const observabilityPackage = '@tsmicro/observability';

/**
 * LoadedObservability is the part of @tsmicro/observability's
 * serviceObservability() core relies on; core does not depend on the
 * package at build time, so prom-client and OpenTelemetry stay out of
 * services that do not ask for them.
 */
export interface LoadedObservability {
  readonly logger: Logger | undefined;
  interceptors(logger: Logger): Interceptor[];
  start(sources: {
    server: () => { activeStreams: number; connections: number };
    pool: () => Readonly<Record<string, { readonly connections: readonly { readonly leases: number }[] }>>;
  }): Promise<string | undefined>;
  close(): Promise<void>;
}

interface ObservabilityModule {
  serviceObservability(options: Pick<ResolvedConfig, 'log' | 'metrics' | 'tracing'>): LoadedObservability;
}

/** ObservabilityLoadError says configuration asked for observability and its package could not be loaded. */
export class ObservabilityLoadError extends Error {
  override readonly name = 'ObservabilityLoadError';
}

/** observabilityKeys lists the configuration keys that ask for @tsmicro/observability, as "key (ENV)". */
export function observabilityKeys(config: ResolvedConfig): string[] {
  const keys: string[] = [];
  if (config.log.kind === 'pino') keys.push('log.kind=pino (MICRO_LOG)');
  if (config.log.calls) keys.push('log.calls (MICRO_LOG_CALLS)');
  if (config.metrics.address !== undefined) keys.push('metrics.address (MICRO_METRICS_ADDRESS)');
  if (config.tracing.enabled) keys.push('tracing.enabled (MICRO_TRACING)');
  return keys;
}

/** loadObservability imports @tsmicro/observability (or `specifier`) and builds what the configuration turns on. */
export async function loadObservability(config: ResolvedConfig, specifier: string = observabilityPackage): Promise<LoadedObservability> {
  const module = await importOptional<ObservabilityModule>(
    specifier,
    (cause) =>
      new ObservabilityLoadError(
        `${observabilityKeys(config).join(', ')} needs the package ${specifier}: install it, or pass logger and interceptors in code`,
        { cause },
      ),
  );
  return module.serviceObservability({ log: config.log, metrics: config.metrics, tracing: config.tracing });
}

/**
 * deferredInterceptor stands, outermost, for interceptors still being
 * loaded: each route or client composes them around its `next` once, on its
 * first call, and every later call runs that chain directly. A call that
 * comes before the load finished (a client used before start) waits for it.
 */
export function deferredInterceptor(loading: Promise<readonly Interceptor[]>): Interceptor {
  let loaded: readonly Interceptor[] | undefined;
  loading.then(
    (list) => (loaded = list),
    () => {},
  );
  return (next) => {
    let chain: NextCall | undefined;
    const build = (list: readonly Interceptor[]): NextCall => list.reduceRight<NextCall>((inner, interceptor) => interceptor(inner), next);
    return (call) => {
      if (chain !== undefined) return chain(call);
      if (loaded !== undefined) return (chain = build(loaded))(call);
      return loading.then((list) => (chain ??= build(list))(call));
    };
  };
}
