import net from 'node:net';
import { FrameType, NO_TIMEOUT, encodeCodeMessage, encodeFrame, encodeHeadersPayload } from '../../../packages/transport/src/tcp/frame.js';
import { PREFACE } from './tcp-fuzz.js';
import { resetFloodBytes, resetFramesBytes } from './h2-reset-flood.js';

/** AbuseReport says what the abusive connections went through. */
export interface AbuseReport {
  /** Connections opened in all (each reconnects when the server closes it). */
  readonly connections: number;
  /** Streams opened and reset in all. */
  readonly resets: number;
}

/** Abusers are flooding connections running until stop(). */
export interface Abusers {
  stop(): Promise<AbuseReport>;
}

// Streams opened and reset per write.
const BATCH = 200;
const HELLO_HEADERS = encodeHeadersPayload(NO_TIMEOUT, '/greeter.Greeter/SayHello', '', Buffer.from([0, 0]));
const CANCEL = encodeCodeMessage(1, '');

function tcpBatch(firstId: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < BATCH; i++) {
    const id = firstId + 2 * i;
    parts.push(encodeFrame(id, FrameType.HEADERS, 0, HELLO_HEADERS), encodeFrame(id, FrameType.RST, 0, CANCEL));
  }
  return Buffer.concat(parts);
}

/**
 * startAbusers runs n connections that open and reset streams as fast as
 * the server takes them (writing again whenever the last write is flushed),
 * each reconnecting at once when the server closes it.
 */
export function startAbusers(address: string, transport: 'tcp' | 'grpc', n: number): Abusers {
  const [host, port] = address.split(':') as [string, string];
  let stopped = false;
  let connections = 0;
  let resets = 0;
  const live = new Set<net.Socket>();
  const runs: Promise<void>[] = [];
  const one = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      connections++;
      const socket = net.connect({ host, port: Number(port) });
      live.add(socket);
      socket.on('error', () => {});
      socket.resume();
      let nextId = 1;
      const pump = (): void => {
        if (stopped || socket.destroyed) return;
        const bytes = transport === 'tcp' ? tcpBatch(nextId) : nextId === 1 ? resetFloodBytes(BATCH) : resetFramesBytes(BATCH, nextId);
        nextId += 2 * BATCH;
        resets += BATCH;
        socket.write(bytes, () => setImmediate(pump));
      };
      socket.once('connect', () => {
        if (transport === 'tcp') socket.write(PREFACE);
        pump();
      });
      socket.once('close', () => {
        live.delete(socket);
        resolve();
      });
    }).then(() => (stopped ? undefined : one()));
  for (let i = 0; i < n; i++) runs.push(one());
  return {
    async stop() {
      stopped = true;
      for (const s of live) s.destroy();
      await Promise.all(runs);
      return { connections, resets };
    },
  };
}
