import type { ConfigSource } from './config-source.js';
import { durationForm, parseDuration } from './duration.js';

type EnvKind = 'text' | 'pem' | 'count' | 'duration' | 'bool' | 'list';

/** EnvVariable maps one environment variable onto a configuration key. */
export interface EnvVariable {
  readonly name: string;
  /** Dotted configuration key it sets. */
  readonly key: string;
  readonly kind: EnvKind;
}

const v = (name: string, key: string, kind: EnvKind = 'text'): EnvVariable => ({ name, key, kind });

/** envVariables lists every variable loadConfig reads (MICRO_CONFIG_FILE aside, which picks the file). */
export const envVariables: readonly EnvVariable[] = [
  v('MICRO_SERVER_NAME', 'name'),
  v('MICRO_SERVER_VERSION', 'version'),
  v('MICRO_TRANSPORT', 'transport'),
  v('MICRO_CODEC', 'codec'),
  v('MICRO_SERVER_ADDRESS', 'server.address'),
  v('MICRO_SERVER_ADDRESS_GRPC', 'server.addresses.grpc'),
  v('MICRO_SERVER_ADDRESS_TCP', 'server.addresses.tcp'),
  v('MICRO_SERVER_ADDRESS_MEMORY', 'server.addresses.memory'),
  v('MICRO_SERVER_GRACE', 'server.graceMs', 'duration'),
  v('MICRO_SERVER_MAX_MESSAGE_SIZE', 'server.maxMessageSize', 'count'),
  v('MICRO_SERVER_MAX_STREAMS', 'server.maxConcurrentStreams', 'count'),
  v('MICRO_SERVER_HEALTH', 'server.health', 'bool'),
  v('MICRO_SERVER_REFLECTION', 'server.reflection', 'bool'),
  v('MICRO_REGISTRY', 'registry.kind'),
  v('MICRO_REGISTRY_ADDRESS', 'registry.address', 'list'),
  v('MICRO_REGISTER_TTL', 'registry.ttlMs', 'duration'),
  v('MICRO_REGISTER_INTERVAL', 'registry.intervalMs', 'duration'),
  v('MICRO_BROKER', 'broker.kind'),
  v('MICRO_BROKER_ADDRESS', 'broker.address', 'list'),
  v('MICRO_BROKER_TIMEOUT', 'broker.timeoutMs', 'duration'),
  v('MICRO_POOL_SIZE', 'client.poolSize', 'count'),
  v('MICRO_POOL_TTL', 'client.poolTtlMs', 'duration'),
  v('MICRO_POOL_MAX_STREAMS', 'client.maxStreamsPerConnection', 'count'),
  v('MICRO_CLIENT_TIMEOUT', 'client.timeoutMs', 'duration'),
  v('MICRO_CLIENT_RETRIES', 'client.retries', 'count'),
  v('MICRO_CLIENT_TRANSPORTS', 'client.transports'),
  v('MICRO_KEEPALIVE_TIME', 'keepalive.timeMs', 'duration'),
  v('MICRO_KEEPALIVE_TIMEOUT', 'keepalive.timeoutMs', 'duration'),
  v('MICRO_LOG', 'log.kind'),
  v('MICRO_LOG_LEVEL', 'log.level'),
  v('MICRO_LOG_CALLS', 'log.calls', 'bool'),
  v('MICRO_METRICS_ADDRESS', 'metrics.address'),
  v('MICRO_TRACING', 'tracing.enabled', 'bool'),
  v('MICRO_TLS_CERT', 'tls.cert', 'pem'),
  v('MICRO_TLS_KEY', 'tls.key', 'pem'),
  v('MICRO_TLS_CA', 'tls.ca', 'pem'),
  v('MICRO_TLS_REQUIRE_CLIENT_CERT', 'tls.requireClientCert', 'bool'),
  v('MICRO_TLS_SERVER_NAME', 'tls.serverName'),
];

/** EnvLayer is the configuration the environment sets, and where each value came from. */
export interface EnvLayer {
  readonly values: Record<string, unknown>;
  readonly sources: ReadonlyMap<string, ConfigSource>;
}

const durationHint = 'given with a unit (ms, s, m or h)';

/**
 * envLayer reads the MICRO_* variables. A value that does not parse is kept
 * as its raw text, so the one schema rejects it with the key's accepted range
 * and the error names the variable. Empty variables count as unset, as
 * shells and container tools often define them empty.
 */
export function envLayer(env: Readonly<Record<string, string | undefined>>): EnvLayer {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, ConfigSource>();
  for (const variable of envVariables) {
    const raw = env[variable.name];
    if (raw === undefined || raw.trim() === '') continue;
    const path = variable.key.split('.');
    let node = values;
    for (const part of path.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    const value = parse(variable.kind, variable.kind === 'pem' ? raw : raw.trim());
    node[path[path.length - 1] as string] = value;
    const notDuration = variable.kind === 'duration' && typeof value === 'string';
    sources.set(variable.key, {
      kind: 'env',
      variable: variable.name,
      raw,
      ...(notDuration ? { complaint: `is not valid: expected ${durationForm}` } : {}),
      ...(variable.kind === 'duration' && !notDuration ? { hint: durationHint } : {}),
    });
  }
  return { values, sources };
}

function parse(kind: EnvKind, raw: string): unknown {
  switch (kind) {
    case 'text':
    case 'pem':
      return raw;
    case 'count':
      return /^\d+$/.test(raw) ? Number(raw) : raw;
    case 'duration':
      // Kept as text when it is no duration, so the schema refuses it under this variable's name.
      return parseDuration(raw) ?? raw;
    case 'bool':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
}
