import { describe, expect, it } from 'vitest';
import { Metadata, MetadataError } from '../metadata.js';
import { NO_TIMEOUT, decodeHeadersPayload, encodeHeadersPayload } from './frame.js';
import { decodeMetadata, encodeMetadata, metadataBlockSize } from './metadata-codec.js';
import { TcpProtocolError } from './protocol-error.js';
import { RequestHeadersReader } from './request-headers-reader.js';
import { RequestHeadersWriter } from './request-headers-writer.js';
import { ServedMethods } from './served-methods.js';

const CT = 'application/grpc+proto';

function written(w: RequestHeadersWriter, timeout: number, method: string, ct: string, md?: Metadata): Buffer {
  return w.payload(timeout, method, ct, md, metadataBlockSize(md));
}

describe('RequestHeadersWriter', () => {
  it('lays out the same bytes as encodeHeadersPayload, with and without timeout and metadata', () => {
    const w = new RequestHeadersWriter();
    const md = new Metadata({ 'x-trace': 'abc', 'x-text': 'héllo wörld', 'x-b-bin': new Uint8Array([0, 255, 10]) });
    md.append('x-trace', 'second');
    for (const [timeout, m] of [
      [NO_TIMEOUT, undefined],
      [1234, undefined],
      [NO_TIMEOUT, md],
      [99, md],
      [5, new Metadata()],
    ] as const) {
      expect(written(w, timeout, '/pkg.Svc/Method', CT, m)).toEqual(encodeHeadersPayload(timeout, '/pkg.Svc/Method', CT, encodeMetadata(m)));
    }
  });

  it('writes short and long, ASCII and non-ASCII text values byte for byte as UTF-8', () => {
    const w = new RequestHeadersWriter();
    const values = ['', 'a', 'x'.repeat(64), 'y'.repeat(65), `${'z'.repeat(63)}é`, `${'z'.repeat(70)}✓`, 'é', '✓ok'];
    const md = new Metadata();
    for (const v of values) md.append('x-v', v);
    const back = decodeHeadersPayload(written(w, NO_TIMEOUT, '/s/M', CT, md));
    expect(decodeMetadata(back.metadata).getAll('x-v')).toEqual(values);
    expect(metadataBlockSize(md)).toBe(encodeMetadata(md).length);
    expect(metadataBlockSize(md)).toBe(2 + values.reduce((n, v) => n + 6 + 3 + Buffer.byteLength(v, 'utf8'), 0));
  });

  it('keeps the layouts of two methods and of a changed content type apart', () => {
    const w = new RequestHeadersWriter();
    const a = decodeHeadersPayload(written(w, NO_TIMEOUT, '/s/A', CT));
    const b = decodeHeadersPayload(written(w, NO_TIMEOUT, '/s/B', ''));
    const a2 = decodeHeadersPayload(written(w, NO_TIMEOUT, '/s/A', 'application/grpc+json'));
    expect([a.method, a.contentType, b.method, b.contentType, a2.method, a2.contentType]).toEqual(['/s/A', CT, '/s/B', '', '/s/A', 'application/grpc+json']);
  });

  it('does not let one call’s timeout or metadata reach the next call of the method', () => {
    const w = new RequestHeadersWriter();
    written(w, 50, '/s/A', CT, new Metadata({ k: 'v' }));
    const plain = decodeHeadersPayload(written(w, NO_TIMEOUT, '/s/A', CT));
    expect(plain.timeoutMs).toBe(NO_TIMEOUT);
    expect(decodeMetadata(plain.metadata).size).toBe(0);
  });

  it('sizes a block as encodeMetadata lays it out, multi-byte text and bytes included', () => {
    const md = new Metadata({ a: 'ünïcødé ✓', 'b-bin': new Uint8Array(300) });
    expect(metadataBlockSize(md)).toBe(encodeMetadata(md).length);
    expect(metadataBlockSize(undefined)).toBe(2);
  });

  it('refuses more than 65535 entries before laying anything out', () => {
    const md = new Metadata();
    for (let i = 0; i < 65536; i++) md.append('k', 'v');
    expect(() => metadataBlockSize(md)).toThrow(MetadataError);
  });
});

describe('RequestHeadersReader', () => {
  it('reads what encodeHeadersPayload wrote, call after call of one method', () => {
    const r = new RequestHeadersReader();
    const md = new Metadata({ 'x-trace': 'abc' });
    for (let i = 0; i < 3; i++) {
      const h = r.read(encodeHeadersPayload(i, '/pkg.Svc/Method', CT, encodeMetadata(i === 1 ? md : undefined)));
      expect(h.timeoutMs).toBe(i);
      expect(h.method).toBe('/pkg.Svc/Method');
      expect(h.contentType).toBe(CT);
      expect(decodeMetadata(h.metadata).get('x-trace')).toBe(i === 1 ? 'abc' : undefined);
    }
  });

  it('tells apart methods of the same length and alternating methods', () => {
    const r = new RequestHeadersReader();
    const names = ['/s/A', '/s/B', '/s/A', '/t/A', '/s/B'];
    const read = names.map((m) => r.read(encodeHeadersPayload(NO_TIMEOUT, m, CT, encodeMetadata(undefined))).method);
    expect(read).toEqual(names);
    // Same method, other content type: not the remembered pair.
    expect(r.read(encodeHeadersPayload(NO_TIMEOUT, '/s/A', '', encodeMetadata(undefined))).contentType).toBe('');
  });

  it('tells apart names that differ in any one byte, whole words and the tail alike', () => {
    const base = '/pkg.Service/Method';
    for (let i = 1; i < base.length; i++) {
      const r = new RequestHeadersReader();
      const other = `${base.slice(0, i)}${base[i] === 'x' ? 'y' : 'x'}${base.slice(i + 1)}`;
      const read = [base, other, base].map((m) => r.read(encodeHeadersPayload(NO_TIMEOUT, m, CT, encodeMetadata(undefined))).method);
      expect(read).toEqual([base, other, base]);
    }
  });

  it('reuses one string per method, and still decodes right past the pairs it remembers', () => {
    const r = new RequestHeadersReader();
    const first = r.read(encodeHeadersPayload(NO_TIMEOUT, '/s/Method0', CT, encodeMetadata(undefined))).method;
    for (let i = 0; i < 100; i++) {
      const h = r.read(encodeHeadersPayload(NO_TIMEOUT, `/s/Method${i}`, CT, encodeMetadata(undefined)));
      expect(h.method).toBe(`/s/Method${i}`);
    }
    expect(r.read(encodeHeadersPayload(NO_TIMEOUT, '/s/Method0', CT, encodeMetadata(undefined))).method).toBe(first);
  });

  it('reads served and unserved paths alike with the served methods at hand, and tells their kinds', () => {
    const served = new ServedMethods();
    served.add([{ path: '/s/Unary', kind: 'unary' }, { path: '/s/Stream', kind: 'bidi_streaming' }]);
    const r = new RequestHeadersReader(served);
    const names = ['/s/Unary', '/s/Other', '/s/Stream', '/s/Unary', 'application/grpc+proto'];
    const unary = [true, false, false, true, false];
    for (const ct of [CT, 'application/grpc', 'application/grpc+json', 'application/grpc+custom', '']) {
      const read = names.map((m) => {
        const h = r.read(encodeHeadersPayload(NO_TIMEOUT, m, ct, encodeMetadata(undefined)));
        return [h.method, h.contentType, r.unary];
      });
      expect(read).toEqual(names.map((m, i) => [m, ct, unary[i]]));
    }
    expect(names.map((m) => [served.pathOf(m), served.isUnary(m)])).toEqual([
      ['/s/Unary', true],
      [undefined, false],
      ['/s/Stream', false],
      ['/s/Unary', true],
      [undefined, false],
    ]);
    // Methods announced later are served as well, also on a connection that read their path before.
    served.add([{ path: '/s/Other', kind: 'unary' }]);
    expect(served.isUnary('/s/Other')).toBe(true);
    const h = r.read(encodeHeadersPayload(NO_TIMEOUT, '/s/Other', CT, encodeMetadata(undefined)));
    expect([h.method, r.unary]).toEqual(['/s/Other', true]);
    r.read(encodeHeadersPayload(NO_TIMEOUT, '/s/Stream', CT, encodeMetadata(undefined)));
    expect(r.unary).toBe(false);
  });

  it('reads the HEADERS of many calls in one received buffer, and of the next buffer once it let go of the last', () => {
    const r = new RequestHeadersReader();
    const payloads = ['/a/One', '/a/Two', '/a/One', '/b/Three'].map((m, i) => encodeHeadersPayload(i, m, CT, encodeMetadata(undefined)));
    for (const lead of [0, 1, 2, 3]) {
      const bytes = Buffer.concat([Buffer.alloc(lead, 7), ...payloads]);
      let at = lead;
      const read = payloads.map((p) => {
        const h = r.read(bytes, at, at + p.length);
        at += p.length;
        return [h.timeoutMs, h.method];
      });
      expect(read).toEqual([
        [0, '/a/One'],
        [1, '/a/Two'],
        [2, '/a/One'],
        [3, '/b/Three'],
      ]);
      // The same bytes rewritten in place read as what they hold now.
      payloads[1]?.copy(bytes, lead);
      expect(r.read(bytes, lead, lead + (payloads[1]?.length ?? 0)).method).toBe('/a/Two');
      r.releaseBytes();
    }
  });

  it('reads a payload in place inside the received bytes, and its overruns stop at the frame, not the bytes after it', () => {
    const r = new RequestHeadersReader();
    const md = new Metadata({ 'x-trace': 'abc' });
    for (const m of [undefined, md]) {
      const payload = encodeHeadersPayload(77, '/pkg.Svc/Method', CT, encodeMetadata(m));
      const bytes = Buffer.concat([Buffer.alloc(13, 9), payload, Buffer.alloc(5, 9)]);
      const h = r.read(bytes, 13, 13 + payload.length);
      expect([h.timeoutMs, h.method, h.contentType]).toEqual([77, '/pkg.Svc/Method', CT]);
      expect(decodeMetadata(h.metadata).get('x-trace')).toBe(m === undefined ? undefined : 'abc');
    }
    const good = encodeHeadersPayload(NO_TIMEOUT, '/a/b', CT, encodeMetadata(undefined));
    const bytes = Buffer.concat([Buffer.alloc(3), good, Buffer.alloc(64)]);
    expect(() => r.read(bytes, 3, 3 + 9)).toThrow(TcpProtocolError);
  });

  it('rejects payloads whose method or content type overrun the frame, as decodeHeadersPayload does', () => {
    const r = new RequestHeadersReader();
    const good = encodeHeadersPayload(NO_TIMEOUT, '/a/b', CT, encodeMetadata(undefined));
    r.read(good);
    for (const bad of [good.subarray(0, 7), good.subarray(0, 9), good.subarray(0, 8 + 4 + 3)]) {
      expect(() => r.read(bad)).toThrow(TcpProtocolError);
      expect(() => decodeHeadersPayload(bad)).toThrow(TcpProtocolError);
    }
  });
});
