import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameType, encodeFrame } from './frame.js';
import { FrameParser } from './frame-parser.js';
import { fuzzConnectionBytes, fuzzInput } from '../../../../test/hardening/support/tcp-fuzz.js';
import { TcpProtocolError } from './protocol-error.js';

type Seen = [number, number, number, string];

const DEFAULT_MAX = 256 * 1024;

function collect(max = 1 << 20): { parser: FrameParser; seen: Seen[] } {
  const seen: Seen[] = [];
  const parser = new FrameParser(max, (id, type, flags, bytes, start, end) => seen.push([id, type, flags, bytes.toString('hex', start, end)]));
  return { parser, seen };
}

const frames = [
  encodeFrame(1, FrameType.HEADERS, 0, Buffer.from('headers')),
  encodeFrame(1, FrameType.DATA, 2, Buffer.alloc(300, 7)),
  encodeFrame(3, FrameType.DATA, 3, Buffer.alloc(0)),
  encodeFrame(0, FrameType.PING, 1, Buffer.from('12345678')),
];
const all = Buffer.concat(frames);
const expected: Seen[] = frames.map((f) => [f.readUInt32BE(0), f[4] as number, f[5] as number, f.subarray(10).toString('hex')]);

describe('FrameParser', () => {
  it('parses every frame when the stream is split at every byte offset', () => {
    for (let cut = 0; cut <= all.length; cut++) {
      const { parser, seen } = collect();
      parser.push(all.subarray(0, cut));
      parser.push(all.subarray(cut));
      expect(seen).toEqual(expected);
    }
  });

  it('parses every frame when fed one byte at a time', () => {
    const { parser, seen } = collect();
    for (let i = 0; i < all.length; i++) parser.push(all.subarray(i, i + 1));
    expect(seen).toEqual(expected);
  });

  it('hands out payloads as ranges of the chunk, not copies', () => {
    let payload: [Buffer, number, number] | undefined;
    const parser = new FrameParser(1024, (_i, _t, _f, bytes, start, end) => {
      payload = [bytes, start, end];
    });
    const chunk = encodeFrame(1, FrameType.DATA, 2, Buffer.from('zero-copy'));
    parser.push(chunk);
    expect(payload).toEqual([chunk, 10, chunk.length]);
    expect(payload?.[0]).toBe(chunk);
  });

  it('joins only the bytes of a frame split over two chunks, and reads the rest of the second in place', () => {
    const bytesSeen: Buffer[] = [];
    const parser = new FrameParser(DEFAULT_MAX, (_i, _t, _f, bytes) => bytesSeen.push(bytes));
    const split = encodeFrame(1, FrameType.DATA, 2, Buffer.alloc(1000, 1));
    const after = Buffer.concat([split.subarray(600), encodeFrame(3, FrameType.DATA, 2, Buffer.alloc(30_000, 2)), encodeFrame(5, FrameType.DATA, 2, Buffer.alloc(5))]);
    // Cut inside the header too: the frame's length is learnt from joined header bytes.
    parser.push(split.subarray(0, 4));
    parser.push(split.subarray(4, 600));
    parser.push(after);
    expect(bytesSeen.map((b) => b.length)).toEqual([split.length, after.length, after.length]);
    expect(bytesSeen[1]).toBe(after);
    expect(bytesSeen[2]).toBe(after);
  });

  it('throws a TcpProtocolError on an oversize length before the payload arrives', () => {
    const { parser, seen } = collect(1024);
    const header = Buffer.from([0, 0, 0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(() => parser.push(header)).toThrow(TcpProtocolError);
    parser.push(frames[0] as Buffer);
    expect(seen).toEqual([]);
  });

  it('yields the same frames for any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: all.length }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set([0, ...cuts, all.length])].sort((a, b) => a - b);
        const { parser, seen } = collect();
        for (let i = 1; i < points.length; i++) parser.push(all.subarray(points[i - 1], points[i]));
        expect(seen).toEqual(expected);
      }),
    );
  });

  it('never throws anything but TcpProtocolError on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const { parser } = collect(64);
        try {
          parser.push(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(TcpProtocolError);
        }
      }),
    );
  });

  // The inputs of the process-level fuzz test (test/hardening): whatever the
  // split, the parser sees the same frames and fails at the same point.
  it('parses fuzzed connection bytes the same way for any chunking (property)', () => {
    const run = (bytes: Buffer, cuts: number[]): { seen: Seen[]; error: string | undefined } => {
      const { parser, seen } = collect(DEFAULT_MAX);
      const points = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
      try {
        for (let i = 1; i < points.length; i++) parser.push(bytes.subarray(points[i - 1], points[i]));
      } catch (err) {
        expect(err).toBeInstanceOf(TcpProtocolError);
        return { seen, error: (err as Error).message };
      }
      return { seen, error: undefined };
    };
    fc.assert(
      fc.property(fc.array(fuzzInput, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (inputs, cuts) => {
        const bytes = fuzzConnectionBytes(inputs);
        expect(run(bytes, cuts)).toEqual(run(bytes, []));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['in one chunk', 1, [all]],
    ['in two chunks, the second arriving while held', 0, [all.subarray(0, 5 + (all.length >> 1)), all.subarray(5 + (all.length >> 1))]],
  ])('hands a frame put back by its handler out again, whole, after release() (%s)', (_, putBackAt, chunks) => {
    const seen: Seen[] = [];
    let putBack = false;
    const parser: FrameParser = new FrameParser(1 << 20, (id, type, flags, bytes, start, end) => {
      if (seen.length === putBackAt && !putBack) {
        putBack = true;
        parser.putBack();
        return;
      }
      seen.push([id, type, flags, bytes.toString('hex', start, end)]);
    });
    for (const chunk of chunks) parser.push(chunk);
    expect(seen).toEqual(expected.slice(0, putBackAt));
    parser.release();
    expect(seen).toEqual(expected);
  });
});
