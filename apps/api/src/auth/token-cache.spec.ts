import { TokenCache } from './token-cache';
import type { AuthenticatedUser } from './auth.decorators';

const user = (id: string): AuthenticatedUser => ({
  id,
  email: `${id}@test`,
  displayName: id,
  roles: ['BUYER'],
  tokenId: `t-${id}`,
});

describe('TokenCache', () => {
  it('reuses a lookup for at most the TTL, and never past the token expiry', () => {
    const cache = new TokenCache(5_000);
    cache.set('h1', user('a'), cache.generation, null, 1_000);
    expect(cache.get('h1', 5_999)?.id).toBe('a');
    expect(cache.get('h1', 6_000)).toBeUndefined();
    cache.set('h2', user('b'), cache.generation, new Date(2_000), 1_000);
    expect(cache.get('h2', 1_999)?.id).toBe('b');
    expect(cache.get('h2', 2_000)).toBeUndefined();
  });

  it("drops one account's tokens, or all of them", () => {
    const cache = new TokenCache();
    cache.set('a1', user('a'), cache.generation, null);
    cache.set('a2', user('a'), cache.generation, null);
    cache.set('b1', user('b'), cache.generation, null);
    cache.dropUser('a');
    expect([cache.get('a1'), cache.get('a2'), cache.get('b1')?.id]).toEqual([undefined, undefined, 'b']);
    cache.clear();
    expect(cache.get('b1')).toBeUndefined();
  });

  it('does not cache a lookup that was in flight when something was dropped', () => {
    const cache = new TokenCache();
    const generation = cache.generation;
    cache.dropUser('someone else');
    cache.set('a1', user('a'), generation, null);
    expect(cache.get('a1')).toBeUndefined();
  });

  it('hands out a frozen copy', () => {
    const cache = new TokenCache();
    cache.set('a1', user('a'), cache.generation, null);
    expect(Object.isFrozen(cache.get('a1'))).toBe(true);
  });
});
