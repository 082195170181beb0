import { bdecode, bencode } from './bencode';

describe('bencode', () => {
  it('encodes through the bencode package with byte-wise key order', () => {
    // UTF-16 order would put the emoji (D83C…) before U+FF01; UTF-8 byte order puts EF BC 81 first.
    const out = bencode({ '\uff01': 1, '🎬': 2, a: 'x', b: Buffer.from([0, 1]) });
    expect(out.toString('latin1')).toBe(Buffer.from('d1:a1:x1:b2:\u0000\u00013:\uff01i1e4:🎬i2ee').toString('latin1'));
  });

  it('sorts binary keys byte-wise', () => {
    const m = new Map<Uint8Array, number>([
      [Buffer.from([10]), 1],
      [Buffer.from([9]), 2],
    ]);
    expect(bencode(m)).toEqual(
      Buffer.from([0x64, 0x31, 0x3a, 9, 0x69, 0x32, 0x65, 0x31, 0x3a, 10, 0x69, 0x31, 0x65, 0x65]),
    );
  });

  it('decodes with spans', () => {
    const root = bdecode(Buffer.from('d4:infod1:ai1eee'));
    expect(root.type).toBe('dict');
    if (root.type === 'dict') expect(root.entries[0].value).toMatchObject({ type: 'dict', start: 7, end: 15 });
  });

  it.each([
    ['d4:info', 'truncated: input ends while reading a value at byte 7'],
    ['d4:infod1:ai1e', 'truncated: input ends while reading a dictionary at byte 14'],
    ['10:abc', 'truncated: string of 10 bytes starting at byte 3 runs past the end of input (6 bytes) at byte 0'],
    ['i01e', 'invalid integer: leading zero at byte 1'],
    ['i-0e', 'invalid integer: -0 at byte 1'],
    ['de1', 'trailing garbage: 1 bytes after the end of the top-level value at byte 2'],
    ['<html>', "invalid bencode: unexpected '<' at byte 0"],
    ['d1:ai1e1:ai2ee', 'duplicate dictionary key "a" at byte 7'],
    ['', 'empty input at byte 0'],
  ])('rejects %j precisely', (input, message) => {
    expect(() => bdecode(Buffer.from(input))).toThrow(message);
  });
});
