import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA, Metadata, MetadataError } from './metadata.js';

describe('Metadata', () => {
  it('behaves as empty before its first entry, through every reader', () => {
    const md = new Metadata();
    expect(md.size).toBe(0);
    expect(md.get('x')).toBeUndefined();
    expect(md.getAll('x')).toEqual([]);
    expect(md.has('x')).toBe(false);
    expect([...md]).toEqual([]);
    expect([...md.keys()]).toEqual([]);
    expect(md.toJSON()).toEqual({});
    expect(md.delete('x').size).toBe(0);
    expect(md.clone().size).toBe(0);
    expect(new Metadata(md).size).toBe(0);
  });

  it('keeps keys lower-case, repeats values in order and copies on clone', () => {
    const md = new Metadata({ 'X-A': ['1', '2'] }).append('x-b', 'b').set('x-id-bin', new Uint8Array([1, 2]));
    const copy = md.clone().append('x-a', '3');
    expect(md.getAll('x-a')).toEqual(['1', '2']);
    expect(copy.getAll('X-A')).toEqual(['1', '2', '3']);
    expect([...md.keys()]).toEqual(['x-a', 'x-b', 'x-id-bin']);
    expect(md.toJSON()).toEqual({ 'x-a': ['1', '2'], 'x-b': ['b'], 'x-id-bin': ['AQI='] });
    expect(new Metadata().merge(md).size).toBe(3);
  });

  it('refuses keys and values gRPC cannot carry, naming the key', () => {
    expect(() => new Metadata().set('Bad Key', 'v')).toThrow(MetadataError);
    expect(() => new Metadata().set('x-bin', 'text')).toThrow(/x-bin/);
    expect(() => new Metadata().set('x-text', new Uint8Array(1))).toThrow(/x-text/);
  });

  it('checks a key seen before as it did the first time', () => {
    for (let i = 0; i < 3; i++) {
      expect(() => new Metadata().append('Bad Key', 'v')).toThrow(/Bad Key/);
      expect(() => new Metadata().append(':path', 'v')).toThrow(MetadataError);
      expect(new Metadata().append('X-Seen', 'v').get('x-seen')).toBe('v');
      expect([...new Metadata().set('X-Seen', 'w').keys()]).toEqual(['x-seen']);
      expect(() => new Metadata().set('X-Seen', new Uint8Array(1))).toThrow(/X-Seen/);
      expect(() => new Metadata().set('x-seen-bin', 'text')).toThrow(/x-seen-bin/);
    }
  });

  it('keeps order, replaces, deletes and copies alike with a few keys and with many', () => {
    for (const count of [3, 8, 9, 40]) {
      const md = new Metadata();
      for (let i = 0; i < count; i++) md.append(`k${i}`, `a${i}`).append(`K${i}`, `b${i}`);
      expect(md.size).toBe(count);
      expect([...md.keys()]).toEqual(Array.from({ length: count }, (_, i) => `k${i}`));
      expect(md.getAll('k1')).toEqual(['a1', 'b1']);
      md.set('k1', 'c1');
      expect(md.getAll('k1')).toEqual(['c1']);
      expect([...md.keys()][1]).toBe('k1');
      const copy = md.clone().append('k0', 'z');
      expect(md.getAll('k0')).toEqual(['a0', 'b0']);
      expect(copy.getAll('k0')).toEqual(['a0', 'b0', 'z']);
      md.delete('K0');
      expect(md.has('k0')).toBe(false);
      expect(md.size).toBe(count - 1);
      expect(copy.size).toBe(count);
      md.set('k0', 'again');
      expect([...md.keys()].at(-1)).toBe('k0');
      expect([...md].filter(([k]) => k === 'k2')).toEqual([
        ['k2', 'a2'],
        ['k2', 'b2'],
      ]);
      expect(Object.keys(md.toJSON())).toHaveLength(count);
    }
  });

  it('shares one empty metadata that refuses changes and clones into a writable copy', () => {
    expect(EMPTY_METADATA.size).toBe(0);
    expect(EMPTY_METADATA.get('a')).toBeUndefined();
    expect([...EMPTY_METADATA]).toEqual([]);
    expect(() => EMPTY_METADATA.set('a', '1')).toThrow(/read-only/);
    expect(() => EMPTY_METADATA.append('a', '1')).toThrow(/read-only/);
    expect(() => EMPTY_METADATA.delete('a')).toThrow(/read-only/);
    expect(() => EMPTY_METADATA.merge(new Metadata({ a: '1' }))).toThrow(/read-only/);
    expect(EMPTY_METADATA.size).toBe(0);
    const copy = EMPTY_METADATA.clone().set('a', '1');
    expect(copy.get('a')).toBe('1');
    expect(EMPTY_METADATA.has('a')).toBe(false);
  });
});
