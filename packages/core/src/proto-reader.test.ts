import { describe, expect, it } from 'vitest';
import { loadProto } from './load-proto.js';
import { readerOf } from './proto-reader.js';

const path = new URL('../../../test/fixtures/greeter.proto', import.meta.url).pathname;
const request = loadProto(path).service('greeter.Greeter').methods.clientStream!.requestType;

describe('decodeIn', () => {
  it('reads a message where it lies, as decode reads a view of it', () => {
    const bytes = request.encode({ data: 'hello', count: 7 });
    const around = Buffer.concat([Buffer.from([1, 2, 3]), bytes, Buffer.from([9, 9])]);
    expect(request.decodeIn?.(around, 3, 3 + bytes.length)).toEqual(request.decode(bytes));
    expect(request.decodeIn?.(around, 3, 3)).toEqual(request.decode(new Uint8Array(0)));
  });

  it('reads no byte past its end, though the bytes after it would complete the message', () => {
    // data (field 1) says 5 bytes and the message holds 2: the next 3 bytes belong to what follows.
    const around = Buffer.from([0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]);
    expect(request.decodeIn?.(around, 0, 4)).toEqual(request.decode(around.subarray(0, 4)));
    expect(request.decodeIn?.(around, 0, 4)).not.toMatchObject({ data: 'abcde' });
    expect(request.decodeIn?.(around, 0, 7)).toMatchObject({ data: 'abcde' });
    // A varint cut off by the end fails as it does at the end of a view.
    const cut = Buffer.from([0x10, 0x80, 0x01]);
    expect(() => request.decode(cut.subarray(0, 2))).toThrow(RangeError);
    expect(() => request.decodeIn?.(cut, 0, 2)).toThrow(RangeError);
  });

  it('gives a reader bounded by the range', () => {
    const reader = readerOf(Buffer.from([5, 6, 7, 8]), 1, 3);
    expect([reader.pos, reader.len, reader.uint32(), reader.uint32()]).toEqual([1, 3, 6, 7]);
    expect(() => reader.uint32()).toThrow(RangeError);
  });
});
