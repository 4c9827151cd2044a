import { describe, expect, it } from 'vitest';
import { Metadata } from '../metadata.js';
import {
  FRAME_HEADER_SIZE,
  FrameType,
  NO_TIMEOUT,
  decodeGoawayPayload,
  decodeHeadersPayload,
  decodeRstPayload,
  decodeTrailersPayload,
  decodeWindowUpdate,
  encodeCodeMessage,
  encodeFrame,
  encodeHeader,
  encodeHeadersPayload,
  encodeTrailersPayload,
  encodeWindowUpdate,
  isPlainOkTrailers,
  u32,
} from './frame.js';
import { decodeMetadata, encodeMetadata } from './metadata-codec.js';
import { DEFAULT_SETTINGS, decodePreface, encodePreface } from './preface.js';
import { TcpProtocolError } from './protocol-error.js';

describe('encodeHeader', () => {
  it('lays out stream id, type, flags and length big-endian in 10 bytes', () => {
    const h = encodeHeader(0x01020304, FrameType.TRAILERS, 0x03, 0x0a0b0c0d);
    expect([...h]).toEqual([1, 2, 3, 4, 2, 3, 0x0a, 0x0b, 0x0c, 0x0d]);
  });

  it('puts header and payload in one buffer when encoding a whole frame', () => {
    const f = encodeFrame(7, FrameType.PING, 1, Buffer.from('abcdefgh'));
    expect(f.length).toBe(FRAME_HEADER_SIZE + 8);
    expect(f.readUInt32BE(6)).toBe(8);
    expect(f.subarray(10).toString()).toBe('abcdefgh');
  });
});

describe('u32', () => {
  it('reads big-endian u32s as readUInt32BE does, the top bit and all ones included', () => {
    const b = Buffer.alloc(13);
    for (const v of [0, 1, 0x7fffffff, 0x80000000, 0x80000001, 0xdeadbeef, NO_TIMEOUT]) {
      for (const off of [0, 3, 9]) {
        b.writeUInt32BE(v, off);
        expect(u32(b, off)).toBe(b.readUInt32BE(off));
        expect(u32(b, off)).toBe(v);
      }
    }
  });
});

describe('encodeHeadersPayload', () => {
  it('round-trips method, content type, timeout and metadata', () => {
    const md = new Metadata({ 'x-a': 'héllo', 'x-b-bin': new Uint8Array([0, 255, 10]) });
    md.append('x-a', 'second');
    const p = encodeHeadersPayload(1234, '/pkg.Svc/Method', 'application/grpc+proto', encodeMetadata(md));
    const h = decodeHeadersPayload(p);
    expect(h.timeoutMs).toBe(1234);
    expect(h.method).toBe('/pkg.Svc/Method');
    expect(h.contentType).toBe('application/grpc+proto');
    const back = decodeMetadata(h.metadata);
    expect(back.getAll('x-a')).toEqual(['héllo', 'second']);
    expect([...(back.get('x-b-bin') as Uint8Array)]).toEqual([0, 255, 10]);
  });

  it('lays out response headers without metadata the same as any other', () => {
    const h = decodeHeadersPayload(encodeHeadersPayload(NO_TIMEOUT, '', '', encodeMetadata(undefined)));
    expect(h).toMatchObject({ timeoutMs: NO_TIMEOUT, method: '', contentType: '' });
    expect(decodeMetadata(h.metadata).size).toBe(0);
    const timed = decodeHeadersPayload(encodeHeadersPayload(7, '', '', encodeMetadata(undefined)));
    expect(timed.timeoutMs).toBe(7);
  });

  it('rejects a method length that overruns the payload', () => {
    const p = encodeHeadersPayload(NO_TIMEOUT, '/a/b', '', encodeMetadata(undefined));
    p.writeUInt16BE(500, 4);
    expect(() => decodeHeadersPayload(p)).toThrow(TcpProtocolError);
  });
});

describe('encodeTrailersPayload', () => {
  it('round-trips code, message and metadata', () => {
    const t = decodeTrailersPayload(encodeTrailersPayload(5, 'not here', encodeMetadata(new Metadata({ k: 'v' }))));
    expect(t.code).toBe(5);
    expect(t.message).toBe('not here');
    expect(decodeMetadata(t.metadata).get('k')).toBe('v');
  });

  it('lays out a bare OK the same as any other status', () => {
    const t = decodeTrailersPayload(encodeTrailersPayload(0, '', encodeMetadata(undefined)));
    expect(t).toMatchObject({ code: 0, message: '' });
    expect(decodeMetadata(t.metadata).size).toBe(0);
    expect(decodeTrailersPayload(encodeTrailersPayload(0, 'é', encodeMetadata(undefined))).message).toBe('é');
  });

  it('tells a plain OK in place inside the received bytes, and nothing else', () => {
    const ok = encodeTrailersPayload(0, '', encodeMetadata(undefined));
    const around = (p: Buffer) => Buffer.concat([Buffer.alloc(7, 1), p, Buffer.alloc(3, 1)]);
    expect(isPlainOkTrailers(around(ok), 7, 7 + ok.length)).toBe(true);
    for (const other of [
      encodeTrailersPayload(1, '', encodeMetadata(undefined)),
      encodeTrailersPayload(0, 'x', encodeMetadata(undefined)),
      encodeTrailersPayload(0, '', encodeMetadata(new Metadata({ k: 'v' }))),
    ]) {
      expect(isPlainOkTrailers(around(other), 7, 7 + other.length)).toBe(false);
    }
    expect(isPlainOkTrailers(around(ok), 7, 7 + ok.length - 1)).toBe(false);
  });

  it('rejects a message length past the end', () => {
    const p = encodeTrailersPayload(0, 'x', encodeMetadata(undefined));
    p.writeUInt32BE(99, 4);
    expect(() => decodeTrailersPayload(p)).toThrow(TcpProtocolError);
  });
});

describe('encodeCodeMessage', () => {
  it('round-trips RST and GOAWAY payloads', () => {
    expect(decodeRstPayload(encodeCodeMessage(1, 'bye'))).toEqual({ code: 1, message: 'bye' });
    expect(decodeGoawayPayload(encodeCodeMessage(2, 'shutdown', 41))).toEqual({ lastStreamId: 41, code: 2, reason: 'shutdown' });
  });
});

describe('encodeWindowUpdate', () => {
  it('round-trips an increment and rejects zero', () => {
    const f = encodeWindowUpdate(3, 65536);
    expect(decodeWindowUpdate(f.subarray(10))).toBe(65536);
    expect(() => decodeWindowUpdate(Buffer.alloc(4))).toThrow(TcpProtocolError);
    expect(() => decodeWindowUpdate(Buffer.alloc(3))).toThrow(TcpProtocolError);
  });
});

describe('decodeMetadata', () => {
  it('rejects an invalid key and trailing bytes', () => {
    const bad = encodeMetadata(new Metadata({ good: 'v' }));
    bad.write(' ', 4, 'latin1');
    expect(() => decodeMetadata(bad)).toThrow(TcpProtocolError);
    const trailing = Buffer.concat([encodeMetadata(new Metadata({ a: 'b' })), Buffer.from([1])]);
    expect(() => decodeMetadata(trailing)).toThrow(TcpProtocolError);
  });
});

describe('decodePreface', () => {
  it('round-trips settings and waits for missing bytes', () => {
    const p = encodePreface({ ...DEFAULT_SETTINGS, maxFrameSize: 4096 });
    expect(decodePreface(p.subarray(0, 5))).toBeNull();
    const r = decodePreface(Buffer.concat([p, Buffer.from('rest')]));
    expect(r?.length).toBe(p.length);
    expect(r?.settings.maxFrameSize).toBe(4096);
  });

  it('rejects a TLS ClientHello on its first byte and a wrong version', () => {
    expect(() => decodePreface(Buffer.from([0x16, 0x03]))).toThrow(/bad magic/);
    const p = encodePreface(DEFAULT_SETTINGS);
    p[4] = 9;
    expect(() => decodePreface(p)).toThrow(/version 9/);
  });

  it('rejects a setting out of range', () => {
    const p = encodePreface({ ...DEFAULT_SETTINGS, maxFrameSize: 10 });
    expect(() => decodePreface(p)).toThrow(/maxFrameSize/);
  });
});
