import { randomUUID } from 'node:crypto';
import { Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';

/** eventHeader names the headers every published event carries, in go-micro's spirit (Micro-Id, Content-Type). */
export const eventHeader = {
  contentType: 'content-type',
  id: 'micro-id',
  /** Milliseconds since the epoch when the publisher sent it. */
  timestamp: 'micro-timestamp',
  /** W3C trace context, passed through from the publishing call's context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** EventHeaderInput is what eventHeaders builds headers from. */
export interface EventHeaderInput {
  readonly contentType: string;
  readonly id?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly ctx?: Context;
}

/**
 * eventHeaders builds the headers of one outgoing event: the caller's
 * metadata, the trace context of `ctx` (so a trace flows from the call that
 * published to the subscriber), then the fixed headers, which win.
 */
export function eventHeaders(input: EventHeaderInput): Record<string, string> {
  const headers: Record<string, string> = {};
  if (input.metadata) for (const key in input.metadata) headers[key.toLowerCase()] = input.metadata[key] as string;
  if (input.ctx) {
    for (const key of [eventHeader.traceparent, eventHeader.tracestate]) {
      const value = input.ctx.metadata.getString(key);
      if (value !== undefined && headers[key] === undefined) headers[key] = value;
    }
  }
  headers[eventHeader.contentType] = input.contentType;
  headers[eventHeader.id] = input.id ?? randomUUID();
  headers[eventHeader.timestamp] = String(Date.now());
  return headers;
}

// Metadata keys are lower-case [0-9a-z_.-]; headers from other publishers may not be.
const validKey = /^[0-9a-z_.-]+$/;

/** metadataFromHeaders gives a subscriber's Context the event's headers as request metadata. */
export function metadataFromHeaders(headers: Readonly<Record<string, string>>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if (validKey.test(lower) && !lower.endsWith('-bin')) metadata.append(lower, value);
  }
  return metadata;
}
