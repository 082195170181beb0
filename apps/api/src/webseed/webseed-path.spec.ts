import { parseWebseedTarget } from './webseed-path';

describe('parseWebseedTarget', () => {
  it('decodes each component on its own, upper or lower hex, + kept', () => {
    expect(parseWebseedTarget('/webseed/my-film/extras/a%20b+c%C3%a9.jpg?x=1')).toEqual({
      kind: 'file',
      slug: 'my-film',
      relPath: 'extras/a b+cé.jpg',
    });
  });

  it('recognises BEP 47 pad files and bounds their size', () => {
    expect(parseWebseedTarget('/webseed/s/.pad/16384')).toEqual({ kind: 'pad', slug: 's', size: 16384 });
    expect(() => parseWebseedTarget(`/webseed/s/.pad/${16 * 1024 * 1024 + 1}`)).toThrow(/pad file size/);
    expect(() => parseWebseedTarget('/webseed/s/.pad/007')).toThrow(/pad file size/);
  });

  it.each([
    '/webseed/s/%2e%2e/x',
    '/webseed/s/a%2Fb',
    '/webseed/s/a%5cb',
    '/webseed/s/a%00',
    '/webseed/s//a',
    '/webseed/s/./a',
    '/webseed/s/%E0%A4%A',
    '/webseed/s/../a',
  ])('rejects %s', (url) => expect(() => parseWebseedTarget(url)).toThrow());

  it('needs a slug and a path', () => {
    expect(() => parseWebseedTarget('/webseed/s')).toThrow(/expected/);
  });
});
