import { describe, expect, it } from 'vitest';
import { WriteBatcher } from './write-batcher.js';

function sink() {
  const writes: Buffer[] = [];
  let corked = 0;
  return {
    writes,
    corks: () => corked,
    s: { write: (b: Uint8Array) => writes.push(Buffer.from(b)), cork: () => corked++, uncork: () => {} },
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

  it('writes large batches through cork without joining', () => {
    const k = sink();
    const b = new WriteBatcher(k.s);
    b.push(Buffer.alloc(600 * 1024));
    b.push(Buffer.alloc(600 * 1024));
    expect(k.corks()).toBe(1);
    expect(k.writes.length).toBe(2);
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
});
