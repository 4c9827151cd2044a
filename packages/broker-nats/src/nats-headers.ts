import { headers, type MsgHdrs } from '@nats-io/transport-node';

/** natsHeaders turns event headers into NATS message headers. */
export function natsHeaders(from: Readonly<Record<string, string>> | undefined): MsgHdrs | undefined {
  if (!from) return undefined;
  const out = headers();
  for (const [key, value] of Object.entries(from)) out.set(key, value);
  return out;
}

/** headersOf turns NATS message headers back into event headers (first value of each key). */
export function headersOf(from: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!from) return out;
  for (const key of from.keys()) out[key] = from.get(key);
  return out;
}
