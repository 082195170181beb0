// Loads libs/crypto/test-vectors.json for the specs (inputs chosen, outputs computed by vectors_check.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VECTORS_PATH = join(__dirname, '..', 'test-vectors.json');

export interface SealVectorItem {
  itemId: string;
  contentKey: string;
  plaintextSha256: string;
  plaintextPieceRoot?: string;
}
export interface PreviewVectorItem {
  itemId: string;
  contentKey: string;
  first: number;
  last: number;
}
export interface SealVectorOutput {
  devicePublicKey: string;
  ephemeralPublicKey: string;
  sharedSecret: string;
  wrappingKey: string;
  aad: string;
  payload: string;
  sealed: { alg: 'X25519-HKDF-SHA256-A256GCM'; epk: string; nonce: string; ciphertext: string };
}
export interface TestVectors {
  input: {
    kek: string;
    wrap: { itemId: string; contentKey: string; nonce: string };
    pieceKeyIndices: number[];
    pieceCipher: { index: number; length: number; patternModulo: number };
    longPiece: { index: number; length: number; patternModulo: number };
    /** An item's plaintext `pattern(length, patternModulo)` cut into pieces of `pieceLength`. */
    pieceRoot: { pieceLength: number; length: number; patternModulo: number };
    seal: {
      devicePrivateKey: string;
      ephemeralPrivateKey: string;
      nonce: string;
      licenseId: string;
      deviceId: string;
      items: SealVectorItem[];
    };
    previewSeal: { devicePrivateKey: string; ephemeralPrivateKey: string; nonce: string; items: PreviewVectorItem[] };
    keyCheck: string[];
  };
  output: {
    kek: { base64: string; id: string };
    wrap: { kekId: string; wrappedKey: string };
    pieceKeys: { index: number; key: string }[];
    pieceCipher: { pieceKey: string; plaintext: string; ciphertext: string };
    longPiece: { pieceKey: string; ciphertextSha256: string };
    pieceRoot: { pieceSha256: string[]; plaintextPieceRoot: string; plaintextSha256: string };
    seal: SealVectorOutput;
    previewSeal: SealVectorOutput;
    keyCheck: { contentKey: string; kcvHex: string }[];
  };
}

export const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as TestVectors;

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** Piece plaintext of the vectors: byte j = j % modulo. */
export function pattern(length: number, modulo: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let j = 0; j < length; j++) b[j] = j % modulo;
  return b;
}
