import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { LocalDiskStore } from './local-disk-store';

describe('LocalDiskStore', () => {
  let dir: string;
  let store: LocalDiskStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ks-store-'));
    store = new LocalDiskStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts a stream and reads back whole objects and inclusive ranges', async () => {
    const st = await store.put('a/b.bin', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(st.size).toBe(11);
    expect(await text(store.read('a/b.bin'))).toBe('hello world');
    expect(await text(store.read('a/b.bin', { start: 6, end: 10 }))).toBe('world');
  });

  it('renames prefixes and deletes them', async () => {
    await store.put('staging/x/1', Buffer.from('1'));
    await store.rename('staging/x/', 'published/x/');
    expect(await store.stat('published/x/1')).toMatchObject({ size: 1 });
    expect(await store.stat('staging/x/1')).toBeNull();
    await store.delete('published/x/');
    expect(await store.stat('published/x/1')).toBeNull();
  });

  it('refuses keys that escape the store', () => {
    expect(() => store.localPath('../etc/passwd')).toThrow(/unsafe storage key/);
    expect(() => store.localPath('/abs')).toThrow(/unsafe storage key/);
    expect(() => store.localPath('a//b')).toThrow(/unsafe storage key/);
  });
});
