import net from 'node:net';

// Hand-laid HTTP/2, so the test controls exactly what reaches the server.
function frame(type: number, flags: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(id, 5);
  payload.copy(b, 9);
  return b;
}

const literal = (s: string): Buffer => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);

// HPACK: :method POST and :scheme http from the static table; :path,
// :authority and content-type as literals on static names; te as a new name.
const HEADER_BLOCK = Buffer.concat([
  Buffer.from([0x83, 0x86, 0x04]),
  literal('/greeter.Greeter/SayHello'),
  Buffer.from([0x01]),
  literal('localhost'),
  Buffer.from([0x0f, 0x10]),
  literal('application/grpc'),
  Buffer.from([0x00]),
  literal('te'),
  literal('trailers'),
]);

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const END_HEADERS = 0x4;
const CANCEL = Buffer.from([0, 0, 0, 8]);

/** resetFloodBytes is an HTTP/2 client preface followed by `resets` streams each opened and at once reset. */
export function resetFloodBytes(resets: number, firstId = 1): Buffer {
  const parts = [PREFACE, frame(SETTINGS, 0, 0)];
  for (let i = 0; i < resets; i++) {
    const id = firstId + 2 * i;
    parts.push(frame(HEADERS, END_HEADERS, id, HEADER_BLOCK), frame(RST_STREAM, 0, id, CANCEL));
  }
  return Buffer.concat(parts);
}

/** resetFramesBytes is `resets` more open-and-reset streams, for a connection already past its preface. */
export function resetFramesBytes(resets: number, firstId: number): Buffer {
  return resetFloodBytes(resets, firstId).subarray(PREFACE.length + 9);
}

/**
 * openResetFlood connects, writes `resets` open-and-reset streams and keeps
 * the socket open, reading whatever the server sends; it resolves with the
 * socket once the bytes are written.
 */
export function openResetFlood(address: string, resets: number): Promise<net.Socket> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once('error', reject);
    socket.resume();
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      socket.write(resetFloodBytes(resets), () => resolve(socket));
    });
  });
}
