import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TlsOptions } from '../transport.js';

const PROBE_TIMEOUT_MS = 2000;

/**
 * diagnoseDial explains why a gRPC connection attempt failed. grpc-js keeps
 * the cause to its trace log, so after a failure one probe connection
 * repeats the TCP and TLS steps with node's own sockets and reports what
 * they say ("self-signed certificate", "ECONNREFUSED", ...).
 */
export function diagnoseDial(address: string, tls: TlsOptions | undefined): Promise<string> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = tls
      ? tlsConnect({
          host,
          port,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          servername: tls.serverName ?? (/^[\d.:]+$/.test(host) ? undefined : host),
          ALPNProtocols: ['h2'],
        })
      : netConnect({ host, port });
    const done = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done('no answer from the server'), PROBE_TIMEOUT_MS);
    socket.once('error', (err) => done(err.message));
    if (tls) {
      socket.once('secureConnect', () => {
        // The server may still refuse the client's certificate right after the handshake.
        socket.once('close', () => done('the server closed the TLS connection (a client certificate it does not accept?)'));
        setTimeout(() => done('TLS works, but the server does not speak gRPC'), 200).unref();
      });
    } else {
      socket.once('connect', () => done('the server does not speak plaintext HTTP/2 (a TLS port?)'));
    }
  });
}
