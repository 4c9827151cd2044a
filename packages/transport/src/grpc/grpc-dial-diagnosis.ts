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
      socket.once('connect', () => {
        // Speak first, as an HTTP/2 client does, and judge by the answer.
        socket.write(H2_HELLO);
        let answer = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          answer = Buffer.concat([answer, chunk]);
          const why = judgeAnswer(answer, 'open');
          if (why !== undefined) done(why);
          // An HTTP/2 greeting: a GOAWAY may follow it at once.
          else if (answer.length >= 9) setTimeout(() => done(judgeAnswer(answer, 'quiet') as string), GOAWAY_WAIT_MS).unref();
        });
        socket.once('close', () => done(judgeAnswer(answer, 'closed') as string));
      });
    }
  });
}

// An HTTP/2 client preface and an empty SETTINGS frame.
const H2_HELLO = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
const SETTINGS = 4;
const GOAWAY = 7;
const TLS_ALERT = 0x15;
const TLS_HANDSHAKE = 0x16;
const GOAWAY_WAIT_MS = 100;

/**
 * judgeAnswer says what a plaintext server's answer to an HTTP/2 preface
 * shows, or undefined while more bytes could change it. `state` says whether
 * the server has closed the probe, or went quiet after greeting it.
 */
export function judgeAnswer(answer: Buffer, state: 'open' | 'closed' | 'quiet'): string | undefined {
  const closed = state === 'closed';
  if (answer.length === 0) {
    return closed ? 'connection closed by the server before any answer (refused: out of connections or file descriptors?)' : undefined;
  }
  const first = answer[0] as number;
  if (first === TLS_ALERT || first === TLS_HANDSHAKE) return 'the server speaks TLS on this port, the client plaintext';
  if (answer.length < 9) return closed ? 'the server does not speak HTTP/2 (it closed after a partial answer)' : undefined;
  if (answer[3] !== SETTINGS) return 'the server does not speak HTTP/2';
  // A SETTINGS frame first: HTTP/2. Look for a GOAWAY behind it.
  let off = 0;
  while (off + 9 <= answer.length) {
    const length = answer.readUIntBE(off, 3);
    if (answer[off + 3] === GOAWAY && off + 9 + 8 <= answer.length) {
      return `connection closed by the server: GOAWAY (HTTP/2 error code ${answer.readUInt32BE(off + 13)})`;
    }
    off += 9 + length;
  }
  if (closed) return 'connection closed by the server after its HTTP/2 greeting';
  if (state === 'open') return undefined;
  // A server that answers HTTP/2 and keeps the probe open works now: the
  // failed connection was closed or refused by it (GOAWAY, or the server was overloaded).
  return 'the server speaks HTTP/2 but closed or refused the connection (GOAWAY, or overloaded)';
}
