import { describe, expect, it } from 'vitest';
import { Metadata, MetadataError } from './metadata.js';

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
});
