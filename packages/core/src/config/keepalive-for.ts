import { type KeepaliveOptions, keepaliveDefaults } from '@tsmicro/transport';
import type { ResolvedConfig } from './schema.js';

/**
 * keepaliveFor is the keepalive a service uses on one transport: what the
 * configuration sets, each field it leaves out taken from that transport's
 * default (grpc: 300 s and 20 s, grpc-go compatible; tcp: 30 s and 10 s).
 * Transports without sockets (memory, in-process) get none.
 */
export function keepaliveFor(keepalive: ResolvedConfig['keepalive'], transportName: string): KeepaliveOptions | undefined {
  const base = transportName === 'grpc' || transportName === 'tcp' ? keepaliveDefaults[transportName] : undefined;
  if (base === undefined) return undefined;
  return { timeMs: keepalive.timeMs ?? base.timeMs, timeoutMs: keepalive.timeoutMs ?? base.timeoutMs };
}
