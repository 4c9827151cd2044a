import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type ByteSink, WriteBatcher } from './write-batcher.js';

function sink() {
  const writes: Buffer[] = [];
  let corked = 0;
  return {
    writes,
    corks: () => corked,
    s: { write: (b: Uint8Array) => writes.push(Buffer.from(b)), cork: () => corked++, uncork: () => {}, writableLength: 0, once: () => {} },
  };
}

describe('WriteBatcher', () => {
  it('joins buffers pushed in one turn into one write', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    b.push(Buffer.from('ab'));
    b.push(Buffer.from('cd'));
    expect(k.writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(k.writes.map(String)).toEqual(['abcd']);
  });

  // Senders queue frames from microtasks (one awaited send after another): a
  // mid-turn write goes out in the microtask after the frame that filled the batch.
  const microtask = () => Promise.resolve();

  it('writes a batch mid-turn once it holds 128 frames, so the peer can start on them', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    for (let i = 0; i < 127; i++) b.frame(1, 0, 2, new Uint8Array([i]));
    await microtask();
    expect(k.writes.length).toBe(0);
    b.frame(1, 0, 2, new Uint8Array([127]));
    expect(k.writes.length).toBe(0);
    await microtask();
    expect(k.writes.length).toBe(1);
    expect(k.writes[0]!.length).toBe(128 * 11);
    b.frame(1, 0, 2, new Uint8Array([128]));
    await new Promise((r) => setImmediate(r));
    expect(k.writes.length).toBe(2);
    expect(k.writes[1]![10]).toBe(128);
  });

  it('lets the code that filled the batch finish its frame first: END_STREAM still rides on it', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    for (let i = 0; i < 127; i++) b.frame(1, 0, 2, new Uint8Array([i]));
    b.frame(3, 0, 2, new Uint8Array([127]));
    expect(b.addFlagsToLast(3, 0, 1)).toBe(true);
    await microtask();
    expect(k.writes.length).toBe(1);
    expect(k.writes[0]!.length).toBe(128 * 11);
    expect(k.writes[0]![127 * 11 + 5]).toBe(3);
    // Written out, the frame takes no more flags.
    expect(b.addFlagsToLast(3, 0, 1)).toBe(false);
  });

  it('waits for twice the frames before each further mid-turn write, and starts over next turn', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    const sizes = () => k.writes.map((w) => w.length / 11);
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        b.frame(1, 0, 2, new Uint8Array([i & 0xff]));
        await microtask();
      }
    };
    await send(128 + 256 + 512);
    expect(sizes()).toEqual([128, 256, 512]);
    // The doubling stops at 2048 frames a write.
    await send(1024 + 2048 + 2048);
    expect(sizes()).toEqual([128, 256, 512, 1024, 2048, 2048]);
    b.frame(1, 0, 2, new Uint8Array([1]));
    await new Promise((r) => setImmediate(r));
    expect(sizes().slice(6)).toEqual([1]);
    await send(128);
    expect(sizes().slice(6)).toEqual([1, 128]);
    await new Promise((r) => setImmediate(r));
  });

  it('waits one more turn, once, while the side says answers are due', async () => {
    const k = sink();
    let due = true;
    const b = new WriteBatcher(k.s, () => due);
    b.frame(1, 0, 2, new Uint8Array([1]));
    await new Promise((r) => setImmediate(r));
    expect(k.writes.length).toBe(0);
    b.frame(1, 0, 2, new Uint8Array([2]));
    await new Promise((r) => setImmediate(r));
    expect(k.writes.map((w) => w.length / 11)).toEqual([2]);
    expect(b.writes).toBe(1);
    due = false;
    b.frame(1, 0, 2, new Uint8Array([3]));
    await new Promise((r) => setImmediate(r));
    expect(k.writes.length).toBe(2);
  });

  it('writes frames queued in one synchronous run together, however many', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    for (let i = 0; i < 1000; i++) b.frame(1, 0, 2, new Uint8Array([1]));
    expect(k.writes.length).toBe(0);
    await microtask();
    expect(k.writes.map((w) => w.length / 11)).toEqual([1000]);
  });

  it('lays an encoded payload out in the slab, and gives a large one its own buffer', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    const encoded = (size: number, fill: number) => ({ byteLength: size, encodeInto: (t: Buffer, off: number) => void t.fill(fill, off, off + size) });
    b.frameEncoded(3, 0, 2, encoded(5, 7));
    // END_STREAM can still ride on it.
    expect(b.addFlagsToLast(3, 0, 1)).toBe(true);
    b.frameEncoded(5, 0, 2, encoded(8192, 9));
    await new Promise((r) => setImmediate(r));
    const out = Buffer.concat(k.writes);
    expect(out.length).toBe(10 + 5 + 10 + 8192);
    expect([...out.subarray(0, 15)]).toEqual([0, 0, 0, 3, 0, 3, 0, 0, 0, 5, 7, 7, 7, 7, 7]);
    expect([...out.subarray(15, 25)]).toEqual([0, 0, 0, 5, 0, 2, 0, 0, 0x20, 0]);
    expect(out.subarray(25).every((x) => x === 9)).toBe(true);
  });

  it('writes large batches through cork without joining', () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    b.push(Buffer.alloc(600 * 1024));
    b.push(Buffer.alloc(600 * 1024));
    expect(k.corks()).toBe(1);
    expect(k.writes.length).toBe(2);
  });

  it('lays frames out in one write, small payloads copied and large ones queued as they are', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    b.frame(1, 0, 2, new Uint8Array([7, 8, 9]));
    b.frame(3, 2, 0);
    const big = Buffer.alloc(8 * 1024, 5);
    b.frame(5, 0, 2, big);
    b.frame(7, 0, 2, new Uint8Array([1]));
    await new Promise((r) => setImmediate(r));
    expect(k.writes.length).toBe(1);
    const w = k.writes[0] as Buffer;
    const header = (at: number) => [w.readUInt32BE(at), w[at + 4], w[at + 5], w.readUInt32BE(at + 6)];
    expect(header(0)).toEqual([1, 0, 2, 3]);
    expect([...w.subarray(10, 13)]).toEqual([7, 8, 9]);
    expect(header(13)).toEqual([3, 2, 0, 0]);
    expect(header(23)).toEqual([5, 0, 2, big.length]);
    expect(w.subarray(33, 33 + big.length).equals(big)).toBe(true);
    expect(header(33 + big.length)).toEqual([7, 0, 2, 1]);
  });

  it('adds flags to the newest frame only while it is the newest and unwritten', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    b.frame(1, 0, 2, new Uint8Array([1]));
    expect(b.addFlagsToLast(3, 0, 1)).toBe(false);
    expect(b.addFlagsToLast(1, 2, 1)).toBe(false);
    expect(b.addFlagsToLast(1, 0, 1)).toBe(true);
    b.frame(3, 0, 2);
    expect(b.addFlagsToLast(1, 0, 1)).toBe(false);
    b.flush();
    expect(b.addFlagsToLast(3, 0, 1)).toBe(false);
    b.frame(5, 0, 2, new Uint8Array([2]));
    b.push(Buffer.from([0]));
    expect(b.addFlagsToLast(5, 0, 1)).toBe(false);
    await new Promise((r) => setImmediate(r));
    const all = Buffer.concat(k.writes);
    expect(all[5]).toBe(3);
    expect(all[16]).toBe(2);
  });

  it('starts a new slab when a frame does not fit, without touching written bytes', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    const payload = new Uint8Array(4000).fill(1);
    for (let i = 0; i < 40; i++) b.frame(i, 0, 2, payload);
    await new Promise((r) => setImmediate(r));
    const all = Buffer.concat(k.writes);
    expect(all.length).toBe(40 * 4010);
    for (let i = 0; i < 40; i++) expect(all.readUInt32BE(i * 4010)).toBe(i);
  });

  it('drops pushes after close', async () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    b.push(Buffer.from('x'));
    b.close();
    b.push(Buffer.from('y'));
    await new Promise((r) => setImmediate(r));
    expect(k.writes).toEqual([]);
  });

  describe('when the socket backs up', () => {
    // A sink whose unsent bytes the test sets, as a socket whose peer does not read.
    function slowSink() {
      const writes: Buffer[] = [];
      const s = new EventEmitter() as EventEmitter & ByteSink;
      let pending = 0;
      Object.assign(s, {
        write: (b: Uint8Array) => {
          writes.push(Buffer.from(b));
          pending += b.length;
        },
        cork: () => {},
        uncork: () => {},
      });
      Object.defineProperty(s, 'writableLength', { get: () => pending });
      const drain = () => {
        pending = 0;
        s.emit('drain');
      };
      return { s, writes, drain };
    }

    it('makes writers wait for the drain instead of the next turn', async () => {
      const k = slowSink();
      const b = new WriteBatcher(k.s);
      b.push(Buffer.alloc(2 * 1024 * 1024));
      expect(b.busy).toBe(true);
      let woke = false;
      void b.nextTurn().then(() => (woke = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(woke).toBe(false);
      expect(k.writes.length).toBe(1);
      k.drain();
      await new Promise((r) => setImmediate(r));
      expect(woke).toBe(true);
      expect(b.busy).toBe(false);
    });

    it('holds window credit back until the drain, one update per stream', async () => {
      const k = slowSink();
      const b = new WriteBatcher(k.s);
      b.push(Buffer.alloc(2 * 1024 * 1024));
      b.flush();
      b.grant(0, 100);
      b.grant(3, 10);
      b.grant(0, 50);
      b.flush();
      expect(k.writes.length).toBe(1);
      k.drain();
      b.flush();
      const updates = Buffer.concat(k.writes.slice(1));
      expect(updates.length).toBe(28);
      expect([updates.readUInt32BE(0), updates.readUInt32BE(10)]).toEqual([0, 150]);
      expect([updates.readUInt32BE(14), updates.readUInt32BE(24)]).toEqual([3, 10]);
    });

    it('sends credit at once while the socket keeps up', () => {
      const k = slowSink();
      const b = new WriteBatcher(k.s);
      b.grant(5, 64);
      b.flush();
      expect(k.writes.length).toBe(1);
      expect(k.writes[0]!.readUInt32BE(10)).toBe(64);
    });

    it('wakes waiting writers when closed, so none hangs on a dead socket', async () => {
      const k = slowSink();
      const b = new WriteBatcher(k.s);
      b.push(Buffer.alloc(2 * 1024 * 1024));
      const waiting = b.nextTurn();
      b.close();
      await expect(waiting).resolves.toBeUndefined();
    });
  });
});
