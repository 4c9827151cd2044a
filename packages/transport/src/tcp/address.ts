/** HostPort is a parsed "host:port" address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** parseAddress reads "host:port" or "[v6]:port"; an address without a port is a clear error. */
export function parseAddress(address: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || port > 65535) throw new RangeError(`tcp address "${address}" must be "host:port" (IPv6 as "[::1]:port")`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** formatAddress writes host and port back as one address. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
