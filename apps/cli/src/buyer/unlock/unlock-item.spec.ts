import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../../cli-error';
import { makeLockedBundle, type LockedFixture } from '../../../../../test/helpers/locked-bundle';
import { findBundleRoot } from './manifest';
import { filePieceHashes } from './piece-hashes';
import { CorruptItemError, unlockItem, type UnlockItemInput } from './unlock-item';

function inputFor(fx: LockedFixture, opts: Partial<UnlockItemInput> = {}): UnlockItemInput {
  const item = fx.items[0];
  return {
    path: item.path,
    lockedPath: join(fx.root, `${item.path}.locked`),
    outPath: join(fx.root, item.path),
    size: item.plaintext.length,
    sha256: item.sha256,
    pieceLength: fx.pieceLength,
    keys: { first: 0, keys: item.keys },
    pieceHashes: filePieceHashes(fx.torrent, `${item.path}.locked`, item.plaintext.length),
    ...opts,
  };
}

describe('unlockItem', () => {
  let fx: LockedFixture;
  beforeEach(() => {
    fx = makeLockedBundle();
  });
  afterEach(() => rmSync(fx.parentDir, { recursive: true, force: true }));

  it('decrypts a locked file to the original bytes, checking every ciphertext piece against the hybrid torrent', async () => {
    const r = await unlockItem(inputFor(fx));
    expect(r.status).toBe('unlocked');
    expect(r.piecesVerified).toBe(4);
    expect(readFileSync(join(fx.root, 'film.mkv')).equals(fx.items[0].plaintext)).toBe(true);
    expect(readdirSync(fx.root).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('is idempotent: an output that already matches the manifest is left alone', async () => {
    await unlockItem(inputFor(fx));
    const again = await unlockItem(inputFor(fx));
    expect(again.status).toBe('already-unlocked');
  });

  it('names the file and the piece when one byte of the .locked file is altered, and writes nothing', async () => {
    const lockedPath = join(fx.root, 'film.mkv.locked');
    const fd = openSync(lockedPath, 'r+');
    const at = 2 * fx.pieceLength + 77;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    writeSync(fd, Buffer.from([b[0] ^ 0x01]), 0, 1, at);
    closeSync(fd);
    const err = await unlockItem(inputFor(fx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptItemError);
    expect((err as CorruptItemError).exitCode).toBe(ExitCode.CorruptData);
    expect((err as CorruptItemError).badPieces).toEqual([2]);
    expect((err as Error).message).toMatch(/film\.mkv\.locked is corrupt: piece 2 of 4/);
    expect(existsSync(join(fx.root, 'film.mkv'))).toBe(false);
    expect(readdirSync(fx.root).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('without torrent hashes, a tampered file fails the manifest SHA-256 and is not written', async () => {
    const lockedPath = join(fx.root, 'film.mkv.locked');
    const ct = readFileSync(lockedPath);
    ct[5] ^= 0xff;
    writeFileSync(lockedPath, ct);
    await expect(unlockItem(inputFor(fx, { pieceHashes: null }))).rejects.toThrow(/SHA-256 .* the manifest says/);
    expect(existsSync(join(fx.root, 'film.mkv'))).toBe(false);
  });

  it('refuses an incomplete download with the sizes', async () => {
    const lockedPath = join(fx.root, 'film.mkv.locked');
    writeFileSync(lockedPath, readFileSync(lockedPath).subarray(0, 100));
    await expect(unlockItem(inputFor(fx))).rejects.toThrow(/is 100 bytes, the manifest says/);
  });

  it('preview mode decrypts only the pieces it has keys for into <path>.preview', async () => {
    const item = fx.items[0];
    const r = await unlockItem(inputFor(fx, { mode: 'preview', keys: { first: 0, keys: item.keys.subarray(0, 32) } }));
    expect(r.status).toBe('preview');
    const preview = readFileSync(join(fx.root, 'film.mkv.preview'));
    expect(preview.equals(item.plaintext.subarray(0, fx.pieceLength))).toBe(true);
    expect(existsSync(join(fx.root, 'film.mkv'))).toBe(false);
  });

  it('wrong keys never produce a verified output', async () => {
    const keys = Buffer.from(fx.items[0].keys);
    keys[0] ^= 1;
    await expect(unlockItem(inputFor(fx, { keys: { first: 0, keys } }))).rejects.toThrow(/SHA-256/);
    expect(existsSync(join(fx.root, 'film.mkv'))).toBe(false);
  });
});

describe('findBundleRoot', () => {
  it('finds keyseed.json in <dir>/<slug> (aria2 layout) and in <dir> itself', () => {
    const fx = makeLockedBundle();
    try {
      expect(findBundleRoot(fx.parentDir).root).toBe(fx.root);
      const found = findBundleRoot(fx.root);
      expect(found.root).toBe(fx.root);
      expect(found.manifest.bundleId).toBe(fx.bundleId);
      expect(found.manifest.items[0]).toMatchObject({
        id: fx.items[0].id,
        path: 'film.mkv',
        torrentPath: 'film.mkv.locked',
        locked: true,
        previewPieces: 1,
      });
    } finally {
      rmSync(fx.parentDir, { recursive: true, force: true });
    }
  });
});
