import type { Metadata } from '@tsmicro/transport';
import type { BrokerMessage } from '../broker/broker.js';
import { Context } from '../context.js';
import { metadataFromHeaders } from './event-headers.js';

/**
 * EventContext is the Context of one delivered event. Its metadata is made
 * from the event's headers on first use: most handlers never read it, and
 * making it (and, on some brokers, the headers) for every event was a large
 * part of what handling one cost.
 */
export class EventContext extends Context {
  private eventMetadata: Metadata | undefined;

  constructor(
    private readonly event: BrokerMessage,
    handler: string,
    signal: AbortSignal,
  ) {
    super({ service: event.topic, method: handler, signal });
  }

  override get metadata(): Metadata {
    this.eventMetadata ??= metadataFromHeaders(this.event.headers);
    return this.eventMetadata;
  }
}
