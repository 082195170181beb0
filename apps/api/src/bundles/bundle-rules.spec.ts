import { itemPathProblem, pathCollisions } from './item-path';
import { firstFreeSlug, slugify } from './slug';

describe('item paths', () => {
  it.each(['film.mkv', 'extras/trailer.mp4', 'Amélie/poster.jpg', 'a b/c-d_e.txt'])('accepts %j', (p) =>
    expect(itemPathProblem(p)).toBeNull(),
  );

  it.each([
    ['', /non-empty/],
    ['../etc/passwd', /"\.\."/],
    ['a/../b', /"\.\."/],
    ['/abs/file', /relative/],
    ['a//b', /empty segments/],
    ['a/', /empty segments/],
    ['a\\b', /backslashes/],
    ['a\u0000b', /control/],
    ['a\nb', /control/],
    ['keyseed.json', /reserved/],
    ['.pad/16384', /reserved/],
    ['KEYSEED.JSON', /reserved/],
    ['what?.mkv', /Windows/],
    ['./a', /"\."/],
    ['dir /a', /spaces/],
  ])('rejects %j', (p, why) => expect(itemPathProblem(p)).toMatch(why));

  it('finds collisions after NFC normalisation, case folding, .locked names and file/folder clashes', () => {
    const nfd = 'Ame\u0301lie.mkv';
    expect(
      pathCollisions([
        { path: 'Amélie.mkv', locked: true },
        { path: nfd, locked: true },
      ]),
    ).toEqual([[0, 1]]);
    expect(
      pathCollisions([
        { path: 'A.mkv', locked: false },
        { path: 'a.mkv', locked: false },
      ]),
    ).toEqual([[0, 1]]);
    expect(
      pathCollisions([
        { path: 'x', locked: true },
        { path: 'x.locked', locked: false },
      ]),
    ).toEqual([[0, 1]]);
    expect(
      pathCollisions([
        { path: 'x', locked: false },
        { path: 'x/y', locked: false },
      ]),
    ).toEqual([[0, 1]]);
    expect(
      pathCollisions([
        { path: 'a.mkv', locked: true },
        { path: 'b.mkv', locked: true },
      ]),
    ).toEqual([]);
  });
});

describe('slugs', () => {
  it('makes URL-safe slugs and suffixes collisions', () => {
    expect(slugify('Amélie à Paris!')).toBe('amelie-a-paris');
    expect(slugify('  ***  ')).toBe('bundle');
    expect(slugify('x'.repeat(100))).toHaveLength(60);
    expect(firstFreeSlug('film', ['film', 'film-2'])).toBe('film-3');
    expect(firstFreeSlug('film', [])).toBe('film');
  });
});
