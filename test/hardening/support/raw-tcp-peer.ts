import net from 'node:net';
import { Flag, FrameType, NO_TIMEOUT, encodeFrame, encodeHeadersPayload } from '../../../packages/transport/src/tcp/frame.js';
import { DEFAULT_SETTINGS, type Settings, encodePreface } from '../../../packages/transport/src/tcp/preface.js';

/** MAX_WINDOWS are settings announcing the largest windows the protocol allows. */
export const MAX_WINDOWS: Settings = { ...DEFAULT_SETTINGS, initialWindowSize: 0x7fffffff, connectionWindowSize: 0x7fffffff };

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** streamRequest encodes a greeter StreamRequestData { data, count } by hand. */
export function streamRequest(data: string, count: number): Buffer {
  const d = Buffer.from(data, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(d.length)]), d, Buffer.from([0x10, ...varint(count)])]);
}

/** helloRequest encodes a greeter HelloRequest { name } by hand. */
export function helloRequest(name: string): Buffer {
  const d = Buffer.from(name, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(d.length)]), d]);
}

/** callFrames are the HEADERS and one DATA frame (request, END_STREAM) of a call on stream id. */
export function callFrames(id: number, method: string, request: Buffer): Buffer {
  return Buffer.concat([
    encodeFrame(id, FrameType.HEADERS, 0, encodeHeadersPayload(NO_TIMEOUT, method, '', Buffer.from([0, 0]))),
    encodeFrame(id, FrameType.DATA, Flag.END_MESSAGE | Flag.END_STREAM, request),
  ]);
}

/** rawTcpPeer connects to a tcp server and writes a preface with `settings`; it does not wait for the server's. */
export function rawTcpPeer(address: string, settings: Settings = DEFAULT_SETTINGS): Promise<net.Socket> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      socket.write(encodePreface(settings));
      resolve(socket);
    });
  });
}
