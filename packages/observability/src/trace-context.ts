import type { Metadata } from '@tsmicro/core';
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/** metadataGetter lets OpenTelemetry propagators read trace context (traceparent, tracestate) from request metadata. */
export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.getString(key.toLowerCase()),
};

/**
 * callMetadataGetter reads trace context from a call's request metadata,
 * with the call as the carrier: the metadata, which a transport may build on
 * first use, is read only by a propagator that looks (none is registered
 * until an SDK is).
 */
export const callMetadataGetter: TextMapGetter<{ readonly metadata: Metadata }> = {
  keys: (carrier) => metadataGetter.keys(carrier.metadata),
  get: (carrier, key) => metadataGetter.get(carrier.metadata, key),
};

/** metadataSetter lets OpenTelemetry propagators write trace context into request metadata. */
export const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => {
    carrier.set(key.toLowerCase(), value);
  },
};

// W3C Trace Context: version-traceid-parentid-flags, lower-case hex.
const traceparent = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** traceIdFromMetadata reads the trace id of a W3C traceparent header, if the metadata carries a valid one. */
export function traceIdFromMetadata(metadata: Metadata): string | undefined {
  const value = metadata.getString('traceparent');
  const id = value === undefined ? undefined : traceparent.exec(value)?.[1];
  return id === undefined || /^0+$/.test(id) ? undefined : id;
}
