import { createConnection, createServer, type Socket } from 'node:net';
import protobuf from 'protobufjs';
import { type BenchImpl, protoPath } from '../bench-impl.js';
import { FrameWriter, readFrames } from './frame-writer.js';

// The floor: what node:net and protobufjs cost with nothing else on top.
// Frames are [u32 length][u32 request id][u8 kind][protobuf body]; request
// ids multiplex calls on one socket; writes are batched per event-loop turn.

const UNARY = 0;
const SERVER_STREAM = 1;
const MESSAGE = 2;
const END = 3;
/** Opens a client stream: MESSAGE frames follow on its id, then END; the server answers the count. */
const CLIENT_STREAM = 4;

const root = protobuf.loadSync(protoPath);
const Payload = root.lookupType('bench.Payload');
const StreamRequest = root.lookupType('bench.StreamRequest');
const Count = root.lookupType('bench.Count');

interface StreamRequestMessage {
  size: number;
  count: number;
}

// Each message is encoded as it is sent, as the client stream's sender and
// every tsmicro row do: a stream sends messages, not one buffer over again.
async function serveStream(out: FrameWriter, socket: Socket, id: number, req: StreamRequestMessage): Promise<void> {
  const reply = { data: new Uint8Array(req.size).fill(7) };
  for (let i = 0; i < req.count && !socket.destroyed; i++) {
    out.frame(id, MESSAGE, Payload.encode(reply).finish());
    await out.drained();
  }
  out.frame(id, END, new Uint8Array(0));
}

/** nodeFloor is the reference row: plain node:net, length-prefixed frames, protobufjs. */
export const nodeFloor: BenchImpl = {
  name: 'node-floor',
  async serve() {
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      const out = new FrameWriter(socket);
      // Open client streams by id, with the messages each has counted.
      const counts = new Map<number, number>();
      readFrames(socket, (id, kind, body) => {
        if (kind === UNARY) {
          const req = Payload.decode(body);
          out.frame(id, MESSAGE, Payload.encode(req).finish());
        } else if (kind === SERVER_STREAM) {
          void serveStream(out, socket, id, StreamRequest.decode(body) as unknown as StreamRequestMessage);
        } else if (kind === CLIENT_STREAM) {
          counts.set(id, 0);
        } else if (kind === MESSAGE) {
          const n = counts.get(id);
          if (n === undefined) return;
          Payload.decode(body);
          counts.set(id, n + 1);
        } else if (kind === END) {
          const n = counts.get(id);
          if (n === undefined) return;
          counts.delete(id);
          out.frame(id, MESSAGE, Count.encode({ count: n }).finish());
        }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      address: `127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
  async connect(address) {
    const [host, port] = address.split(':') as [string, string];
    const socket = createConnection({ host, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    const out = new FrameWriter(socket);
    const calls = new Map<number, { message(body: Buffer): void; end(): void }>();
    let nextId = 1;
    readFrames(socket, (id, kind, body) => {
      const call = calls.get(id);
      if (!call) return;
      if (kind === MESSAGE) call.message(body);
      else call.end();
    });
    return {
      unary(payload) {
        const id = nextId++;
        return new Promise<void>((resolve) => {
          calls.set(id, {
            message(body) {
              Payload.decode(body);
              calls.delete(id);
              resolve();
            },
            end() {},
          });
          out.frame(id, UNARY, Payload.encode({ data: payload }).finish());
        });
      },
      serverStream(size, count) {
        const id = nextId++;
        return new Promise<number>((resolve) => {
          let n = 0;
          calls.set(id, {
            message(body) {
              Payload.decode(body);
              n++;
            },
            end() {
              calls.delete(id);
              resolve(n);
            },
          });
          out.frame(id, SERVER_STREAM, StreamRequest.encode({ size, count }).finish());
        });
      },
      async clientStream(payload, count) {
        const id = nextId++;
        const reply = new Promise<number>((resolve) => {
          calls.set(id, {
            message(body) {
              calls.delete(id);
              resolve((Count.decode(body) as unknown as { count: number }).count);
            },
            end() {},
          });
        });
        out.frame(id, CLIENT_STREAM, new Uint8Array(0));
        // Each message waits while the socket is full, as the server stream's sender does.
        for (let i = 0; i < count && !socket.destroyed; i++) {
          out.frame(id, MESSAGE, Payload.encode({ data: payload }).finish());
          await out.drained();
        }
        out.frame(id, END, new Uint8Array(0));
        return reply;
      },
      async close() {
        socket.end();
      },
    };
  },
};
