import type { Metadata } from '@tsmicro/transport';
import { Context } from '../context.js';
import { metadataFromHeaders } from './event-headers.js';

/**
 * EventContext is the Context of one delivered event. Its metadata is made
 * from the event's headers on first use: most handlers never read it, and
 * making it for every event was a large part of what handling one cost.
 */
export class EventContext extends Context {
  private eventMetadata: Metadata | undefined;

  constructor(
    private readonly headers: Readonly<Record<string, string>>,
    topic: string,
    handler: string,
    signal: AbortSignal,
  ) {
    super({ service: topic, method: handler, signal });
  }

  override get metadata(): Metadata {
    this.eventMetadata ??= metadataFromHeaders(this.headers);
    return this.eventMetadata;
  }
}
