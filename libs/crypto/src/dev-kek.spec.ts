import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevKek } from './dev-kek';
import { Keyring } from './keyring';

describe('loadOrCreateDevKek', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ks-devkek-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates <dataDir>/dev-kek once with mode 0600, then reads the same KEK back', () => {
    const first = loadOrCreateDevKek(join(dir, 'data'), 'development');
    expect(first).toMatchObject({ created: true, path: join(dir, 'data', 'dev-kek') });
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(Keyring.parse(first.kek).current.key).toHaveLength(32);
    const second = loadOrCreateDevKek(join(dir, 'data'), 'test');
    expect(second).toEqual({ ...first, created: false });
  });

  it('refuses in production', () => {
    expect(() => loadOrCreateDevKek(dir, 'production')).toThrow(/KEYSEED_KEK is required when NODE_ENV=production/);
  });

  it('names the file when its content is not a KEK', () => {
    writeFileSync(join(dir, 'dev-kek'), 'garbage\n');
    expect(() => loadOrCreateDevKek(dir, 'development')).toThrow(join(dir, 'dev-kek'));
  });
});
