import { BrokerError, createConsoleLogger, type Logger } from '@tsmicro/core';

/** NatsBrokerOptions configure createNatsBroker. */
export interface NatsBrokerOptions {
  /** NATS servers, host:port each; default 127.0.0.1:4222. */
  readonly address?: readonly string[];
  /** How long connect() and a durable publish may wait for the server; default 5 000 ms. */
  readonly timeoutMs?: number;
  /** Where lost connections, failed handlers and dead letters are reported; core's console logger by default. */
  readonly logger?: Logger;
  /** Client name the server shows in its monitoring. */
  readonly name?: string;
  /** Delay between reconnect attempts; default 500 ms. The broker never stops reconnecting. */
  readonly reconnectWaitMs?: number;
  /** JetStream: prefix of the streams made per durable topic; default "tsmicro". */
  readonly streamPrefix?: string;
  /** JetStream: dead letters go to "<deadLetterPrefix>.<topic>"; default "dlq". */
  readonly deadLetterPrefix?: string;
  /** JetStream: how long a message may stay unacknowledged before it is redelivered; default 30 000 ms. */
  readonly ackWaitMs?: number;
  /** JetStream: backoff of a nak after a throw, doubling per delivery; default 200 ms to 10 000 ms. */
  readonly nakBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** JetStream: window in which a repeated message id is dropped as a duplicate; default 120 000 ms (the server's). */
  readonly duplicateWindowMs?: number;
  /** JetStream: how long a stream keeps messages; default 24 h. */
  readonly maxAgeMs?: number;
}

/** ResolvedNatsOptions are NatsBrokerOptions with every default applied. */
export type ResolvedNatsOptions = Required<Omit<NatsBrokerOptions, 'name'>> & { readonly name: string | undefined };

const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** resolveNatsOptions applies defaults and throws a BrokerError naming the first bad option. */
export function resolveNatsOptions(options: NatsBrokerOptions): ResolvedNatsOptions {
  const address = options.address && options.address.length > 0 ? [...options.address] : ['127.0.0.1:4222'];
  for (const a of address) {
    const m = hostPort.exec(a);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new BrokerError(`nats broker address ${JSON.stringify(a)} is not valid: expected host:port`);
  }
  const ms = (key: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1) throw new BrokerError(`nats broker option ${key} must be a whole number of milliseconds above 0, got ${String(v)}`);
    return v;
  };
  const nakBackoff = options.nakBackoff ?? { initialMs: 200, maxMs: 10_000 };
  ms('nakBackoff.initialMs', nakBackoff.initialMs, 1);
  ms('nakBackoff.maxMs', nakBackoff.maxMs, 1);
  return {
    address,
    timeoutMs: ms('timeoutMs', options.timeoutMs, 5_000),
    logger: options.logger ?? createConsoleLogger(),
    name: options.name,
    reconnectWaitMs: ms('reconnectWaitMs', options.reconnectWaitMs, 500),
    streamPrefix: options.streamPrefix ?? 'tsmicro',
    deadLetterPrefix: options.deadLetterPrefix ?? 'dlq',
    ackWaitMs: ms('ackWaitMs', options.ackWaitMs, 30_000),
    nakBackoff,
    duplicateWindowMs: ms('duplicateWindowMs', options.duplicateWindowMs, 120_000),
    maxAgeMs: ms('maxAgeMs', options.maxAgeMs, 24 * 3_600_000),
  };
}
