// The spec, not our code: an independent implementation (Python `cryptography`) recomputes every
// output in test-vectors.json from docs/key-scheme.md, and the OpenSSL CLI recomputes the piece cipher.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { encryptPieceInto } from './piece-cipher';
import { derivePieceKey } from './piece-key';
import { hex, pattern, vectors } from './test-vectors';

const { input, output } = vectors;

function opensslCtr(key: Buffer, data: Buffer): Buffer {
  const r = spawnSync('openssl', ['enc', '-aes-256-ctr', '-K', key.toString('hex'), '-iv', '0'.repeat(32), '-nosalt'], {
    input: data,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  return r.stdout;
}

describe('conformance to the key scheme of docs/key-scheme.md (independent implementations)', () => {
  it('python3 + cryptography recomputes every test vector from the spec', () => {
    const r = spawnSync('/usr/bin/python3', [join(__dirname, '..', 'vectors_check.py')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
    expect(r.status).toBe(0);
  });

  it('openssl enc -aes-256-ctr with a zero IV reproduces the piece vectors', () => {
    expect(opensslCtr(hex(output.pieceCipher.pieceKey), hex(output.pieceCipher.plaintext)).toString('hex')).toBe(
      output.pieceCipher.ciphertext,
    );
    const long = opensslCtr(
      hex(output.longPiece.pieceKey),
      pattern(input.longPiece.length, input.longPiece.patternModulo),
    );
    expect(createHash('sha256').update(long).digest('hex')).toBe(output.longPiece.ciphertextSha256);
  });

  it('openssl agrees with encryptPieceInto on a random 1 MiB + 3 byte piece', () => {
    const key = derivePieceKey(randomBytes(32), 12345);
    const src = randomBytes((1 << 20) + 3);
    const dst = Buffer.alloc(src.length);
    encryptPieceInto(key, src, dst);
    expect(dst.equals(opensslCtr(key, src))).toBe(true);
  });
});
