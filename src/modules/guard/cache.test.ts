import { describe, expect, it } from 'vitest';
import { Lru } from './cache.js';

describe('Lru', () => {
  it('evicts the least recently used entry, where a read counts as use', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('overwrites in place without growing', () => {
    const lru = new Lru<string>(2);
    lru.set('a', 'x');
    lru.set('a', 'y');
    expect(lru.size).toBe(1);
    expect(lru.get('a')).toBe('y');
  });

  it('stores nothing with capacity 0', () => {
    const lru = new Lru<number>(0);
    lru.set('a', 1);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(0);
  });
});
