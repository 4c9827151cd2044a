// abuser-process floods a server from its own process, so the flood's own
// work (building and writing frames) never delays the test's normal client.
// It reads one JSON line on stdin: { host, port, connections, opening, batch,
// idOffsets, idStride } where opening and batch are base64 bytes and the
// stream ids of batch sit at idOffsets (pair k of the batch uses id
// first + 2k). Each connection writes opening, then batch after batch with
// fresh ids, each once the last is flushed, and reconnects at once when the
// server closes it. On stdin's end it stops and prints {"connections","resets",
// "goaways"}, goaways counting the error codes of the GOAWAYs the server sent.
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
const goaways = {};
const live = new Set();

// goawayCode finds the error code of the first GOAWAY among the frames in bytes.
function goawayCode(bytes) {
  const tcp = plan.transport === 'tcp';
  const head = tcp ? 10 : 9;
  // A tcp server speaks its preface first: "TSMC", a version, a count of 6-byte settings.
  const start = tcp && bytes.length >= 6 && bytes.toString('latin1', 0, 4) === 'TSMC' ? 6 + 6 * bytes[5] : 0;
  for (let off = start; off + head <= bytes.length; ) {
    const type = tcp ? bytes[off + 4] : bytes[off + 3];
    const length = tcp ? bytes.readUInt32BE(off + 6) : bytes.readUIntBE(off, 3);
    if (type === (tcp ? 6 : 7) && off + head + 8 <= bytes.length) return bytes.readUInt32BE(off + head + 4);
    off += head + length;
  }
  return undefined;
}

function one() {
  if (stopped) return;
  connections++;
  const socket = net.connect({ host: plan.host, port: plan.port });
  live.add(socket);
  socket.on('error', () => {});
  // The server sends only its preface or SETTINGS and, at the end, GOAWAY: its first 64 KiB hold them.
  const got = [];
  let gotBytes = 0;
  socket.on('data', (chunk) => {
    if (gotBytes < 65536) got.push(chunk);
    gotBytes += chunk.length;
  });
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
    const code = goawayCode(Buffer.concat(got));
    if (code !== undefined) goaways[code] = (goaways[code] ?? 0) + 1;
    live.delete(socket);
    setImmediate(one);
  });
}

for (let i = 0; i < plan.connections; i++) one();
lines.once('close', () => {
  stopped = true;
  for (const s of live) s.destroy();
  console.log(JSON.stringify({ connections, resets, goaways }));
  process.exit(0);
});
