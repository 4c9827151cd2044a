import { createServer, type Server, type Socket, connect } from 'node:net';

/** PausableProxy forwards TCP between clients and one target; pause() makes it a silent black hole. */
export interface PausableProxy {
  /** "127.0.0.1:port" to dial instead of the target. */
  readonly address: string;
  /** Client connections the proxy holds. */
  readonly connections: number;
  /** Bytes forwarded so far, both ways: shows pings crossing an otherwise idle connection. */
  readonly forwardedBytes: number;
  /** pause stops forwarding both ways and drops what arrives, as a peer that stopped answering would. */
  pause(): void;
  resume(): void;
  /** close destroys every forwarded socket and stops listening. */
  close(): Promise<void>;
}

/** startPausableProxy listens on 127.0.0.1:0 and forwards every connection to target ("host:port"). */
export async function startPausableProxy(target: string): Promise<PausableProxy> {
  const [host, port] = splitHostPort(target);
  const sockets = new Set<Socket>();
  let paused = false;
  let pairs = 0;
  let forwarded = 0;
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      // Dropped, not buffered: the point is that nothing comes back, not that it comes late.
      if (paused) return;
      forwarded += chunk.byteLength;
      to.write(chunk);
    });
  };
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    pairs++;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.once('close', () => pairs--);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('proxy bound no TCP port');
  return {
    address: `127.0.0.1:${bound.port}`,
    get connections() {
      return pairs;
    },
    get forwardedBytes() {
      return forwarded;
    },
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), Number(address.slice(i + 1))];
}
