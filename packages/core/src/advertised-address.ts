import { networkInterfaces } from 'node:os';

/**
 * advertisedAddress is the address to register for a bound one: a server
 * listening on all interfaces (0.0.0.0, ::) is advertised on the host's first
 * external IPv4 address, or loopback when the host has none.
 */
export function advertisedAddress(bound: string): string {
  const colon = bound.lastIndexOf(':');
  if (colon < 0) return bound;
  const host = bound.slice(0, colon);
  const port = bound.slice(colon + 1);
  if (host !== '0.0.0.0' && host !== '::' && host !== '[::]' && host !== '') return bound;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return `${a.address}:${port}`;
  }
  return `127.0.0.1:${port}`;
}
