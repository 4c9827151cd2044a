import type { Socket } from 'node:net';
import { type Settings, decodePreface, encodePreface } from './preface.js';
import { TcpProtocolError } from './protocol-error.js';

/** HandshakeResult is the peer's settings and any frame bytes that arrived with its preface. */
export interface HandshakeResult {
  readonly settings: Settings;
  readonly leftover: Buffer;
}

/** HandshakeError says the preface exchange failed; the message says how. */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
}

/**
 * handshake sends this side's preface and waits for the peer's. Both sides
 * send at once, so it costs one round trip. Bytes that cannot be a preface
 * fail it at once; silence fails it after timeoutMs. On success the socket
 * is left paused so no frame is lost before the session listens.
 */
export function handshake(socket: Socket, local: Settings, timeoutMs: number): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (err: Error | undefined, result?: HandshakeResult): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err !== undefined) {
        socket.destroy();
        reject(err);
      } else {
        socket.pause();
        resolve(result as HandshakeResult);
      }
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        const r = decodePreface(buf);
        if (r !== null) done(undefined, { settings: r.settings, leftover: buf.subarray(r.length) });
      } catch (err) {
        const msg = err instanceof TcpProtocolError ? err.message : String(err);
        done(new HandshakeError(`${msg}; is the other side a tsmicro tcp endpoint with the same TLS setting?`, { cause: err }));
      }
    };
    const onError = (err: Error): void => done(new HandshakeError(err.message, { cause: err }));
    const onClose = (): void =>
      done(new HandshakeError('connection closed during the handshake; is the other side a tsmicro tcp endpoint with the same TLS setting?'));
    const timer = setTimeout(() => done(new HandshakeError(`no handshake from the peer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(encodePreface(local));
  });
}
