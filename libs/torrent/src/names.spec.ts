import { assertSafePaths, comparePaths, safePathSegments } from './names';

describe('safe names', () => {
  it.each([
    ['../etc/passwd', '".." segments are not allowed'],
    ['a/../../b', '".." segments are not allowed'],
    ['/abs/path', 'absolute paths are not allowed'],
    ['C:\\x', 'absolute paths are not allowed'],
    ['a//b', 'empty path segment'],
    ['a/', 'empty path segment'],
    ['', 'empty path'],
    ['nul\u0000byte', 'NUL character'],
    ['bell\u0007', 'control character'],
    ['c1\u0085', 'control character'],
    ['lone\ud800', 'lone surrogate'],
  ])('rejects %j', (path, why) => {
    expect(() => safePathSegments(path)).toThrow(why);
  });

  it('keeps Unicode names intact (no normalisation)', () => {
    const decomposed = 'Cafe\u0301/日本語 🎬.mkv';
    expect(safePathSegments(decomposed)).toEqual(['Cafe\u0301', '日本語 🎬.mkv']);
  });

  it('rejects names equal after NFC normalisation', () => {
    expect(() => assertSafePaths(['caf\u00e9.mkv', 'cafe\u0301.mkv'])).toThrow(
      'same name after Unicode NFC normalisation',
    );
  });

  it('allows names differing only in case', () => {
    expect(assertSafePaths(['A.mkv', 'a.mkv'])).toHaveLength(2);
  });

  it('rejects a path that is both a file and a directory', () => {
    expect(() => assertSafePaths(['a', 'a/b'])).toThrow('"a" is both a file and a directory');
  });

  it('orders segment by segment, byte-wise (the v2 file tree order)', () => {
    const paths = [['a-b'], ['a', 'b'], ['B', 'q'], ['é'], ['a.txt'], ['Z']];
    expect(paths.sort(comparePaths).map((p) => p.join('/'))).toEqual(['B/q', 'Z', 'a/b', 'a-b', 'a.txt', 'é']);
  });
});
