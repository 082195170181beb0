import { inspect } from 'node:util';
import { CryptoError } from './errors';
import { Keyring, kekIdOf } from './keyring';
import { hex, vectors } from './test-vectors';

const { input, output } = vectors;
const b64 = (n: number, fill: number) => Buffer.alloc(n, fill).toString('base64');

describe('Keyring', () => {
  it('gives a KEK the id of the test vector: first 16 hex chars of its SHA-256', () => {
    expect(kekIdOf(hex(input.kek))).toBe(output.kek.id);
    expect(Keyring.parse(output.kek.base64).current.id).toBe(output.kek.id);
  });

  it('parses a newest-first comma-separated list: the first wraps, all are found by id', () => {
    const ring = Keyring.parse(` ${b64(32, 1)} , ${b64(32, 2)}`);
    expect(ring.current.key).toEqual(Buffer.alloc(32, 1));
    expect(ring.ids).toEqual([kekIdOf(Buffer.alloc(32, 1)), kekIdOf(Buffer.alloc(32, 2))]);
    expect(ring.get(ring.ids[1]).key).toEqual(Buffer.alloc(32, 2));
    expect(ring.isStale(ring.ids[1])).toBe(true);
    expect(ring.isStale(ring.ids[0])).toBe(false);
  });

  it.each([
    [undefined, /KEYSEED_KEK is empty/],
    ['', /KEYSEED_KEK is empty/],
    [b64(16, 1), /KEYSEED_KEK must be base64 of exactly 32 bytes .* decodes to 16 bytes/],
    [`${b64(32, 1)},`, /KEYSEED_KEK entry 2 of 2 is empty/],
    [`${b64(32, 1)},not*base64`, /KEYSEED_KEK entry 2 of 2 .* is not base64/],
    [`${b64(32, 1)},${b64(32, 1)}`, /entries 1 and 2 are the same KEK/],
  ])('rejects %p with an error naming KEYSEED_KEK', (value, message) => {
    expect(() => Keyring.parse(value)).toThrow(message);
    expect(() => Keyring.parse(value)).toThrow(CryptoError);
  });

  it('names the configured ids when asked for an unknown one', () => {
    const ring = Keyring.parse(b64(32, 1));
    expect(() => ring.get('0000000000000000')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_KEK', message: expect.stringContaining(ring.ids[0]) }),
    );
  });

  it('never prints key material', () => {
    const ring = Keyring.parse(output.kek.base64);
    for (const shown of [inspect(ring), String(ring), JSON.stringify(ring)]) {
      expect(shown).toContain(output.kek.id);
      expect(shown).not.toContain(output.kek.base64);
      expect(shown).not.toContain(input.kek);
    }
  });
});
