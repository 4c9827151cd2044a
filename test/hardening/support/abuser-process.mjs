// abuser-process floods a server from its own process, so the flood's own
// work (building and writing frames) never delays the test's normal client.
// It reads one JSON line on stdin: { host, port, connections, opening, batch,
// idOffsets, idStride } where opening and batch are base64 bytes and the
// stream ids of batch sit at idOffsets (pair k of the batch uses id
// first + 2k). Each connection writes opening, then batch after batch with
// fresh ids, each once the last is flushed, and reconnects at once when the
// server closes it. On stdin's end it stops and prints {"connections","resets"}.
// Plain JavaScript: a child process has no TypeScript loader.
import net from 'node:net';
import { createInterface } from 'node:readline';

const lines = createInterface({ input: process.stdin });
const plan = await new Promise((resolve) => lines.once('line', (line) => resolve(JSON.parse(line))));
const opening = Buffer.from(plan.opening, 'base64');
const template = Buffer.from(plan.batch, 'base64');
const pairs = plan.idOffsets.length / 2;
let stopped = false;
let connections = 0;
let resets = 0;
const live = new Set();

function one() {
  if (stopped) return;
  connections++;
  const socket = net.connect({ host: plan.host, port: plan.port });
  live.add(socket);
  socket.on('error', () => {});
  socket.resume();
  // Each connection patches its own copy: a written buffer is not touched until its write is flushed.
  const batch = Buffer.from(template);
  let nextId = plan.firstId;
  const pump = () => {
    if (stopped || socket.destroyed) return;
    for (let k = 0; k < plan.idOffsets.length; k++) batch.writeUInt32BE(nextId + 2 * (k >> 1), plan.idOffsets[k]);
    nextId += 2 * pairs;
    resets += pairs;
    socket.write(batch, () => setImmediate(pump));
  };
  socket.once('connect', () => socket.write(opening, pump));
  socket.once('close', () => {
    live.delete(socket);
    setImmediate(one);
  });
}

for (let i = 0; i < plan.connections; i++) one();
lines.once('close', () => {
  stopped = true;
  for (const s of live) s.destroy();
  console.log(JSON.stringify({ connections, resets }));
  process.exit(0);
});
