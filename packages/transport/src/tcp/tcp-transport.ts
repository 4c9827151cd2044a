import net from 'node:net';
import tls from 'node:tls';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type { Connection, DialOptions, Listener, ListenOptions, TlsOptions, Transport } from '../transport.js';
import { formatAddress, parseAddress } from './address.js';
import { handshake } from './handshake.js';
import { type ResolvedTcpOptions, type TcpTransportOptions, resolveTcpOptions } from './tcp-options.js';
import { TcpConnection } from './tcp-connection.js';
import { ServedMethods } from './served-methods.js';
import { TcpListener } from './tcp-listener.js';
import { TcpServerSession } from './tcp-server-session.js';

const noop = (): void => {};

/**
 * createTcpTransport returns tsmicro's own binary transport ("tcp"): framed,
 * multiplexed, flow-controlled streams over node:net or node:tls, with the
 * wire format of docs/tcp-protocol.md.
 */
export function createTcpTransport(options: TcpTransportOptions = {}): Transport {
  const resolved = resolveTcpOptions(options);
  return {
    name: 'tcp',
    dial: (address, dialOptions) => dialTcp(address, dialOptions ?? {}, resolved),
    listen: (address, listenOptions) => listenTcp(address, listenOptions, resolved),
  };
}

function clientTls(t: TlsOptions, host: string): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { ...t.extra };
  if (t.ca !== undefined) o.ca = t.ca;
  if (t.cert !== undefined) o.cert = t.cert;
  if (t.key !== undefined) o.key = t.key;
  const name = t.serverName ?? (net.isIP(host) === 0 ? host : undefined);
  if (name !== undefined) o.servername = name;
  return o;
}

async function dialTcp(address: string, options: DialOptions, cfg: ResolvedTcpOptions): Promise<Connection> {
  const { host, port } = parseAddress(address);
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const signal = options.signal;
  signal?.throwIfAborted();
  const socket = options.tls === undefined ? net.connect({ host, port }) : tls.connect({ host, port, ...clientTls(options.tls, host) });
  socket.on('error', noop);
  socket.setNoDelay(true);
  const onAbort = (): void => {
    socket.destroy(new StatusError(Code.CANCELLED, `dial ${address} cancelled`));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { settings, leftover } = await handshake(socket, cfg.settings, timeoutMs);
    const conn = new TcpConnection(address, socket, cfg.settings, settings, options.keepalive ?? cfg.keepalive, options.maxMessageSize ?? cfg.maxMessageSize);
    conn.start(leftover);
    return conn;
  } catch (err) {
    socket.destroy();
    if (signal?.aborted) throw new StatusError(Code.CANCELLED, `dial ${address} cancelled`, undefined, { cause: err });
    throw new StatusError(Code.UNAVAILABLE, `dial ${address}: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function serverTls(t: TlsOptions, handshakeTimeout: number): tls.TlsOptions {
  const o: tls.TlsOptions = { ...t.extra, handshakeTimeout };
  if (t.ca !== undefined) o.ca = t.ca;
  if (t.cert !== undefined) o.cert = t.cert;
  if (t.key !== undefined) o.key = t.key;
  if (t.requireClientCert === true) {
    o.requestCert = true;
    o.rejectUnauthorized = true;
  }
  return o;
}

async function listenTcp(address: string, options: ListenOptions, cfg: ResolvedTcpOptions): Promise<Listener> {
  const { host, port } = parseAddress(address);
  const local = { ...cfg.settings, maxConcurrentStreams: options.maxConcurrentStreams ?? cfg.settings.maxConcurrentStreams };
  const served = new ServedMethods();
  const sessionOptions = {
    onStream: options.onStream,
    keepalive: options.keepalive ?? cfg.keepalive,
    maxMessageSize: options.maxMessageSize ?? cfg.maxMessageSize,
    maxResetsPerSecond: cfg.maxResetsPerSecond,
    onAbusive: () => abuse.count++,
    served,
  };
  const sessions = new Set<TcpServerSession>();
  const pending = new Set<net.Socket>();
  const abuse = { count: 0 };
  const accept = (socket: net.Socket): void => {
    socket.on('error', noop);
    socket.setNoDelay(true);
    pending.add(socket);
    const peer = formatAddress(socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0);
    handshake(socket, local, cfg.handshakeTimeoutMs).then(
      ({ settings, leftover }) => {
        pending.delete(socket);
        const session = new TcpServerSession(peer, socket, local, settings, sessionOptions);
        sessions.add(session);
        void session.closed.then(() => sessions.delete(session));
        session.start(leftover);
      },
      () => {
        pending.delete(socket);
        socket.destroy();
      },
    );
  };
  const server =
    options.tls === undefined ? net.createServer(accept) : tls.createServer(serverTls(options.tls, cfg.handshakeTimeoutMs), accept);
  server.on('tlsClientError', noop);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', noop);
  const bound = server.address() as net.AddressInfo;
  return new TcpListener(formatAddress(bound.address, bound.port), server, sessions, pending, abuse, served);
}
