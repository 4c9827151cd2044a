import type { KeepaliveOptions } from '../transport.js';
import { DEFAULT_SETTINGS, type Settings, checkSettings } from './preface.js';

/** TcpTransportOptions tune the tcp transport; every field has a default. */
export interface TcpTransportOptions {
  /** Largest frame payload accepted, 1 KiB..16 MiB (default 256 KiB). Larger messages are split. */
  readonly maxFrameSize?: number;
  /** Per-stream receive window in bytes (default 1 MiB): how far a writer may run ahead of a reader. */
  readonly initialWindowSize?: number;
  /** Per-connection receive window in bytes (default 16 MiB). */
  readonly connectionWindowSize?: number;
  /** Largest metadata block accepted in headers or trailers (default 64 KiB). */
  readonly maxMetadataSize?: number;
  /** Largest message accepted when dial/listen options do not say (default 4 MiB). */
  readonly maxMessageSize?: number;
  /**
   * Stream resets a server accepts from one connection per second before it drops it
   * with GOAWAY ENHANCE_YOUR_CALM (default 10 000; a token bucket holding one second's
   * worth). Every cancelled call and expired deadline is a reset, and a busy client
   * cancels thousands a second; the work a flood costs is bounded per event-loop turn.
   */
  readonly maxResetsPerSecond?: number;
  /** How long a server waits for a new connection's TLS and preface (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /**
   * Keepalive for connections whose dial or listen options set none (default: PING
   * after 30 s of silence, dead 10 s later). Both ends speak tsmicro, so unlike gRPC
   * there is no peer that punishes frequent pings: a frozen peer is found in 40 s.
   */
  readonly keepalive?: KeepaliveOptions;
}

/** ResolvedTcpOptions are TcpTransportOptions with every default filled in and checked. */
export interface ResolvedTcpOptions {
  readonly settings: Settings;
  readonly maxMessageSize: number;
  readonly maxResetsPerSecond: number;
  readonly handshakeTimeoutMs: number;
  readonly keepalive: KeepaliveOptions;
}

/** DEFAULT_MAX_MESSAGE_SIZE is 4 MiB, as in gRPC. */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/** DEFAULT_TCP_KEEPALIVE is the keepalive of tcp connections whose options set none. */
export const DEFAULT_TCP_KEEPALIVE: KeepaliveOptions = { timeMs: 30_000, timeoutMs: 10_000 };

/** resolveTcpOptions fills defaults once; a bad value is a RangeError naming the option. */
export function resolveTcpOptions(o: TcpTransportOptions): ResolvedTcpOptions {
  const settings = checkSettings({
    maxFrameSize: o.maxFrameSize ?? DEFAULT_SETTINGS.maxFrameSize,
    maxConcurrentStreams: DEFAULT_SETTINGS.maxConcurrentStreams,
    initialWindowSize: o.initialWindowSize ?? DEFAULT_SETTINGS.initialWindowSize,
    connectionWindowSize: o.connectionWindowSize ?? DEFAULT_SETTINGS.connectionWindowSize,
    maxMetadataSize: o.maxMetadataSize ?? DEFAULT_SETTINGS.maxMetadataSize,
    // Every tsmicro client takes an OK end on DATA; a server's announcement of it means nothing.
    okEndOnData: 1,
  });
  const positive = (name: string, v: number): number => {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`tcp option ${name} must be a positive integer, got ${v}`);
    return v;
  };
  return {
    settings,
    maxMessageSize: positive('maxMessageSize', o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE),
    maxResetsPerSecond: positive('maxResetsPerSecond', o.maxResetsPerSecond ?? 10_000),
    handshakeTimeoutMs: positive('handshakeTimeoutMs', o.handshakeTimeoutMs ?? 10_000),
    keepalive: {
      timeMs: positive('keepalive.timeMs', o.keepalive?.timeMs ?? DEFAULT_TCP_KEEPALIVE.timeMs),
      timeoutMs: positive('keepalive.timeoutMs', o.keepalive?.timeoutMs ?? DEFAULT_TCP_KEEPALIVE.timeoutMs),
    },
  };
}
