import { createContextKey } from '@tsmicro/core';
import type { Span } from '@opentelemetry/api';

/**
 * spanKey carries a call's OpenTelemetry span in its context values: the
 * server span of the call a handler serves, so calls made with `{ ctx }`
 * parent under it even where the active context was lost.
 */
export const spanKey = createContextKey<Span | undefined>(undefined, { description: 'OpenTelemetry span' });
