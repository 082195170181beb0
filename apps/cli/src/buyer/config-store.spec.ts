import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDevicePrivateKey } from '@keyseed/crypto';
import { ConfigStore, normalizeApiBase } from './config-store';
import { parseBundleRef } from './bundle-ref';
import { formatPrice } from './price';

describe('ConfigStore', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'ks-config-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('keeps credentials and the device key under $XDG_CONFIG_HOME/keyseed, dir 0700 and files 0600', () => {
    const store = new ConfigStore({ XDG_CONFIG_HOME: join(home, 'xdg') });
    store.saveCredentials({ api: 'http://127.0.0.1:3000', token: 'ks_secret', email: 'a@b.c' });
    const device = store.device();
    expect(store.dir).toBe(join(home, 'xdg', 'keyseed'));
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(store.dir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(store.dir, 'device.json')).mode & 0o777).toBe(0o600);
    expect(importDevicePrivateKey(device.privateKey).publicKey.encoded).toBe(device.publicKey);
    expect(new ConfigStore({ XDG_CONFIG_HOME: join(home, 'xdg') }).device().privateKey).toBe(device.privateKey);
    expect(new ConfigStore({ XDG_CONFIG_HOME: join(home, 'xdg') }).credentials()?.token).toBe('ks_secret');
  });

  it('defaults to ~/.config/keyseed', () => {
    expect(new ConfigStore({ HOME: home }).dir).toBe(join(home, '.config', 'keyseed'));
  });
});

describe('argument parsing', () => {
  it('normalizes API URLs', () => {
    expect(normalizeApiBase('http://127.0.0.1:3000/v1/')).toBe('http://127.0.0.1:3000');
    expect(normalizeApiBase('https://ks.example/')).toBe('https://ks.example');
    expect(() => normalizeApiBase('ftp://x')).toThrow(/http\(s\)/);
  });

  it('reads slugs, bundle URLs, magnets and .torrent paths', () => {
    expect(parseBundleRef('my-film')).toEqual({ kind: 'slug', slug: 'my-film' });
    expect(parseBundleRef('https://ks.example/bundles/my-film')).toEqual({
      kind: 'slug',
      slug: 'my-film',
      api: 'https://ks.example',
    });
    expect(parseBundleRef('http://127.0.0.1:3000/v1/catalog/my-film/torrent')).toEqual({
      kind: 'slug',
      slug: 'my-film',
      api: 'http://127.0.0.1:3000',
    });
    const m = parseBundleRef(
      'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=my-film&tr=http%3A%2F%2F127.0.0.1%3A3000%2Fannounce',
    );
    expect(m).toMatchObject({ kind: 'magnet', slug: 'my-film', api: 'http://127.0.0.1:3000' });
    expect(() => parseBundleRef('nope.torrent')).toThrow(/no such file/);
    expect(() => parseBundleRef('Not A Slug!')).toThrow(/neither a bundle slug/);
  });

  it("formats prices in the currency's minor units", () => {
    expect(formatPrice(1500, 'usd')).toBe('15.00 USD');
    expect(formatPrice(500, 'jpy')).toBe('500 JPY');
  });
});
