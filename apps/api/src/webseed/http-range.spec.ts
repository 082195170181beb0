import { decideResponse, parseRange, Representation } from './http-range';

describe('parseRange', () => {
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=10-', { start: 10, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-1000', { start: 0, end: 99 }],
    ['bytes=50-1000', { start: 50, end: 99 }],
    ['BYTES = 1 - 2', { start: 1, end: 2 }],
  ])('reads %s', (header, expected) => expect(parseRange(header, 100)).toEqual(expected));

  it.each(['bytes=100-', 'bytes=200-300', 'bytes=-0'])('finds %s unsatisfiable for 100 bytes', (h) =>
    expect(parseRange(h, 100)).toBe('unsatisfiable'),
  );

  it.each([
    'bytes=5-2',
    'bytes=a-b',
    'bytes=-',
    'bytes=0-1,3-4',
    'items=0-1',
    '',
    'bytes=0x1-2',
    'bytes=99999999999999999-',
  ])('ignores %j', (h) => expect(parseRange(h, 100)).toBe('ignore'));
});

describe('decideResponse', () => {
  const rep: Representation = { size: 100, etag: '"v1-64"', lastModified: new Date('2026-01-02T03:04:05.678Z') };
  const lm = 'Fri, 02 Jan 2026 03:04:05 GMT';

  it('prefers If-None-Match over If-Modified-Since', () => {
    expect(decideResponse(rep, { method: 'GET', ifNoneMatch: '"x", "v1-64"' })).toEqual({ status: 304 });
    expect(decideResponse(rep, { method: 'GET', ifNoneMatch: '"x"', ifModifiedSince: lm })).toEqual({ status: 200 });
    expect(decideResponse(rep, { method: 'GET', ifModifiedSince: lm })).toEqual({ status: 304 });
    expect(decideResponse(rep, { method: 'GET', ifModifiedSince: 'Thu, 01 Jan 2026 00:00:00 GMT' })).toEqual({
      status: 200,
    });
  });

  it('applies the range only while If-Range still holds (strong etag or exact date)', () => {
    expect(decideResponse(rep, { method: 'GET', range: 'bytes=0-9', ifRange: '"v1-64"' })).toEqual({
      status: 206,
      start: 0,
      end: 9,
    });
    expect(decideResponse(rep, { method: 'GET', range: 'bytes=0-9', ifRange: 'W/"v1-64"' })).toEqual({ status: 200 });
    expect(decideResponse(rep, { method: 'GET', range: 'bytes=0-9', ifRange: lm })).toEqual({
      status: 206,
      start: 0,
      end: 9,
    });
    expect(
      decideResponse(rep, { method: 'GET', range: 'bytes=0-9', ifRange: 'Thu, 01 Jan 2026 00:00:00 GMT' }),
    ).toEqual({ status: 200 });
    expect(decideResponse(rep, { method: 'GET', range: 'bytes=200-' })).toEqual({ status: 416 });
  });
});
