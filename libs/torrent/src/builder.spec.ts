import { randomBytes } from 'node:crypto';
import { buildTorrent, toLegacyV1 } from './builder';
import { parseTorrent } from './parse';
import { hashFileBuffer } from './piece-hasher';

const pl = 16 * 1024;
const files = [
  { path: 'b/film.mkv', hashes: hashFileBuffer(randomBytes(40_000), pl) },
  { path: 'a.txt', hashes: hashFileBuffer(Buffer.from('hello'), pl) },
  { path: 'empty', hashes: hashFileBuffer(Buffer.alloc(0), pl) },
];

describe('buildTorrent', () => {
  const built = buildTorrent({
    name: 'bundle',
    files,
    announce: ['https://k.example/announce'],
    webseeds: ['https://k.example/webseed/'],
    creationDate: null,
  });

  it('orders files by path and pads every file to the piece boundary', () => {
    const t = parseTorrent(built.torrent);
    expect(t.version).toBe('hybrid');
    expect(t.files.map((f) => [f.path.join('/'), f.length, f.pad])).toEqual([
      ['a.txt', 5, false],
      ['.pad/16379', 16379, true],
      ['b/film.mkv', 40000, false],
      ['.pad/9152', 9152, true],
      ['empty', 0, false],
    ]);
    expect(t.infoHashV1).toBe(built.infoHashV1);
    expect(t.infoHashV2).toBe(built.infoHashV2);
    expect(t.pieceLayers.size).toBe(1);
  });

  it('makes the magnet link of docs/torrent-format.md', () => {
    expect(built.magnet).toBe(
      `magnet:?xt=urn:btih:${built.infoHashV1}&xt=urn:btmh:1220${built.infoHashV2}&dn=bundle&tr=https%3A%2F%2Fk.example%2Fannounce&ws=https%3A%2F%2Fk.example%2Fwebseed%2F`,
    );
  });

  it('is reproducible without a creation date', () => {
    expect(
      buildTorrent({
        name: 'bundle',
        files: [...files].reverse(),
        announce: ['https://k.example/announce'],
        webseeds: ['https://k.example/webseed/'],
        creationDate: null,
      }).torrent,
    ).toEqual(built.torrent);
  });

  it('derives the v1-only view of a hybrid torrent, keeping pads and pieces', () => {
    const legacy = toLegacyV1(built.torrent);
    const t = parseTorrent(legacy.torrent);
    expect(t.version).toBe('v1');
    expect(t.files.filter((f) => f.pad)).toHaveLength(2);
    expect(t.piecesV1).toEqual(parseTorrent(built.torrent).piecesV1);
    expect(t.webseeds).toEqual(['https://k.example/webseed/']);
    expect(legacy.infoHashV2).toBeNull();
    expect(legacy.infoHashV1).not.toBe(built.infoHashV1);
  });

  it('rejects unsafe paths and mixed piece lengths', () => {
    expect(() => buildTorrent({ name: 'x', files: [{ path: '../evil', hashes: files[0].hashes }] })).toThrow(
      '".." segments are not allowed',
    );
    expect(() =>
      buildTorrent({ name: 'x', files: [files[0], { path: 'z', hashes: hashFileBuffer(Buffer.from('x'), 2 * pl) }] }),
    ).toThrow('hashed with piece length 32768, expected 16384');
  });
});

describe('parseTorrent', () => {
  const good = buildTorrent({ name: 'bundle', files, creationDate: null }).torrent;

  it('reports truncation with the offset', () => {
    expect(() => parseTorrent(good.subarray(0, 100))).toThrow(
      /^invalid torrent: truncated: .* at byte \d+ \(file is 100 bytes\)$/,
    );
  });

  it('reports garbage', () => {
    expect(() => parseTorrent(Buffer.from('<!DOCTYPE html>'))).toThrow(
      "invalid torrent: invalid bencode: unexpected '<' at byte 0 (file is 15 bytes)",
    );
  });

  it('reports a missing info dictionary', () => {
    expect(() => parseTorrent(Buffer.from('d8:announce3:urle'))).toThrow('invalid torrent: "info" is missing');
  });
});
