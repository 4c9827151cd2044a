import { spawn } from 'node:child_process';
import { FrameType, NO_TIMEOUT, encodeCodeMessage, encodeFrame, encodeHeadersPayload } from '../../../packages/transport/src/tcp/frame.js';
import { exampleEnv, repoRoot } from '../../support/example-process.js';
import { PREFACE } from './tcp-fuzz.js';
import { resetFloodBytes, resetFramesBytes } from './h2-reset-flood.js';

/** AbuseReport says what the abusive connections went through. */
export interface AbuseReport {
  /** Connections opened in all (each reconnects when the server closes it). */
  readonly connections: number;
  /** Streams opened and reset in all. */
  readonly resets: number;
  /** How many connections ended with a GOAWAY, by its error code. */
  readonly goaways: Readonly<Record<string, number>>;
}

/** Abusers are flooding connections running until stop(). */
export interface Abusers {
  stop(): Promise<AbuseReport>;
}

// Streams opened and reset per write.
const BATCH = 200;
const HELLO_HEADERS = encodeHeadersPayload(NO_TIMEOUT, '/greeter.Greeter/SayHello', '', Buffer.from([0, 0]));
const CANCEL = encodeCodeMessage(1, '');

// The stream id of a tcp frame opens its 10-byte header; an HTTP/2 frame's follows its 5 bytes of length, type and flags.
function idOffsets(bytes: Buffer, transport: 'tcp' | 'grpc'): number[] {
  const offsets: number[] = [];
  for (let off = 0; off < bytes.length; ) {
    if (transport === 'tcp') {
      offsets.push(off);
      off += 10 + bytes.readUInt32BE(off + 6);
    } else {
      offsets.push(off + 5);
      off += 9 + bytes.readUIntBE(off, 3);
    }
  }
  return offsets;
}

function tcpBatch(firstId: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < BATCH; i++) {
    const id = firstId + 2 * i;
    parts.push(encodeFrame(id, FrameType.HEADERS, 0, HELLO_HEADERS), encodeFrame(id, FrameType.RST, 0, CANCEL));
  }
  return Buffer.concat(parts);
}

/**
 * startAbusers runs n connections, from a process of their own, that open and
 * reset streams as fast as the server takes them (writing again whenever the
 * last write is flushed), each reconnecting at once when the server closes it.
 */
export function startAbusers(address: string, transport: 'tcp' | 'grpc', n: number): Abusers {
  const [host, port] = address.split(':') as [string, string];
  // The opening carries the first batch; later batches start at its end.
  const opening = transport === 'tcp' ? Buffer.concat([PREFACE, tcpBatch(1)]) : resetFloodBytes(BATCH);
  const batch = transport === 'tcp' ? tcpBatch(1) : resetFramesBytes(BATCH, 1);
  const plan = {
    host,
    port: Number(port),
    transport,
    connections: n,
    opening: opening.toString('base64'),
    batch: batch.toString('base64'),
    idOffsets: idOffsets(batch, transport),
    firstId: 1 + 2 * BATCH,
  };
  const child = spawn(process.execPath, ['test/hardening/support/abuser-process.mjs'], { cwd: repoRoot, env: exampleEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin.write(`${JSON.stringify(plan)}\n`);
  let stopping: Promise<AbuseReport> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        child.stdin.end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
        const report = out.trim() === '' ? { connections: 0, resets: 0, goaways: {} } : (JSON.parse(out) as AbuseReport);
        return report;
      })();
      return stopping;
    },
  };
}
