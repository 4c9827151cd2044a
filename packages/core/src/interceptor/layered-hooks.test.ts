import { describe, expect, it } from 'vitest';
import { LayeredHooks } from './layered-hooks.js';

describe('LayeredHooks', () => {
  it('drops the hooks of deeper layers in order and keeps the rest, whether one layer or several registered', () => {
    const one = new LayeredHooks(2, 'a');
    one.add(2, 'b');
    expect(one.dropInside(2)).toBeUndefined();
    expect(one.dropInside(1)).toEqual(['a', 'b']);
    expect(one.items).toEqual([]);
    expect(one.dropInside(0)).toBeUndefined();
    one.add(3, 'c');
    one.add(1, 'd');
    expect(one.dropInside(2)).toEqual(['c']);
    expect(one.items).toEqual(['d']);

    const mixed = new LayeredHooks(1, 'x1');
    mixed.add(1, 'x2');
    mixed.add(3, 'z');
    mixed.add(2, 'y');
    mixed.add(1, 'x3');
    expect(mixed.items).toEqual(['x1', 'x2', 'z', 'y', 'x3']);
    expect(mixed.dropInside(2)).toEqual(['z']);
    expect(mixed.dropInside(3)).toBeUndefined();
    expect(mixed.dropInside(1)).toEqual(['y']);
    expect(mixed.items).toEqual(['x1', 'x2', 'x3']);
    mixed.add(4, 'w');
    expect(mixed.dropInside(1)).toEqual(['w']);
  });
});
