// Throughput of the piece cipher on 4 MiB pieces and of piece-key derivation (one quick run, no
// assertions). Run:
//   npx tsc --outDir /tmp/ks-bench --module commonjs --target es2022 --types node libs/crypto/bench/piece-cipher.bench.ts \
//     && node /tmp/ks-bench/bench/piece-cipher.bench.js
import { createCipheriv, randomBytes } from 'node:crypto';
import { encryptPieceInPlace, encryptPieceInto } from '../src/piece-cipher';
import { derivePieceKey, derivePieceKeys } from '../src/piece-key';

const PIECE = 4 << 20;
const ROUNDS = 128; // 512 MiB per variant
const key = randomBytes(32);
// Offset by 64 bytes: page-aligned buffers hit a copy slowdown on this CPU (docs/architecture.md,
// buffers in the hot loops).
const src = Buffer.alloc(PIECE + 64).subarray(64);
const dst = Buffer.alloc(PIECE + 64).subarray(64);
randomBytes(PIECE).copy(src);

function gbps(name: string, fn: () => void): void {
  for (let i = 0; i < 8; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) fn();
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(
    JSON.stringify({
      bench: name,
      pieceBytes: PIECE,
      gbps: +((ROUNDS * PIECE) / s / 1e9).toFixed(2),
      sPerGiB: +(s / ((ROUNDS * PIECE) / 2 ** 30)).toFixed(3),
    }),
  );
}

for (let run = 0; run < 2; run++) {
  gbps('naive update(4 MiB) + copy', () => {
    const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    c.update(src).copy(dst);
  });
  gbps('encryptPieceInto', () => encryptPieceInto(key, src, dst));
  gbps('encryptPieceInPlace', () => encryptPieceInPlace(key, src));
}

const ck = randomBytes(32);
for (const [name, fn] of [
  ['derivePieceKeys(0..1999)', () => derivePieceKeys(ck, 0, 1999)],
  [
    '2000 x derivePieceKey (hkdfSync)',
    () => {
      for (let i = 0; i < 2000; i++) derivePieceKey(ck, i);
    },
  ],
] as const) {
  fn();
  const t = process.hrtime.bigint();
  for (let r = 0; r < 20; r++) fn();
  console.log(JSON.stringify({ bench: name, msPer2000: +(Number(process.hrtime.bigint() - t) / 1e6 / 20).toFixed(2) }));
}
