import { requireEsm } from '@keyseed/esm';

/**
 * Bencode I/O.
 *
 * Encoding goes through the `bencode` package (v4). It is ESM-only (`exports: { import }`), and this
 * repo compiles to CommonJS: it is loaded with `requireEsm` (libs/esm).
 *
 * The package sorts dictionary keys with `Array.prototype.sort()`, i.e. by UTF-16 code units for
 * string keys and by `String(key)` for binary keys — neither is the byte-wise order bencode
 * requires (it differs for non-BMP file names and for the 32-byte `piece layers` keys). We therefore
 * hand it Maps keyed by {@link SortKey}s: byte strings whose `toString()` is their latin1 image, so
 * the package's string sort *is* a byte-wise sort, and which it encodes as raw bytes.
 *
 * Decoding uses our own strict reader ({@link bdecode}): the package's decoder cannot report where
 * input is broken, turns non-UTF-8 keys into hex, and does not give us the exact byte span of the
 * `info` dictionary, which the info-hash must be computed over.
 */

interface BencodePackage {
  encode(value: unknown): Uint8Array;
  decode(data: Uint8Array): unknown;
}

let cached: BencodePackage | undefined;

function loadBencodePackage(): BencodePackage {
  return (cached ??= requireEsm<BencodePackage>('bencode'));
}

/** A value we can bencode. Dict keys are strings (UTF-8) or raw byte strings (Map keys). */
export type BValue = number | string | Uint8Array | BValue[] | BDict | Map<string | Uint8Array, BValue>;
export interface BDict {
  [key: string]: BValue | undefined;
}

/** A byte string that sorts byte-wise under the package's `sort()` and encodes as its bytes. */
class SortKey extends Uint8Array {
  override toString(): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('latin1');
  }
}

function sortKey(key: string | Uint8Array): SortKey {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const k = new SortKey(bytes.byteLength);
  k.set(bytes);
  return k;
}

function prepare(value: BValue): unknown {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`bencode: integers only, got ${value}`);
    return value;
  }
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(prepare);
  const out = new Map<SortKey, unknown>();
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  for (const [k, v] of entries) {
    if (v === undefined || v === null) continue;
    out.set(sortKey(k), prepare(v));
  }
  return out;
}

/** Bencode `value` with dictionary keys in byte-wise order. */
export function bencode(value: BValue): Buffer {
  const bytes = loadBencodePackage().encode(prepare(value));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decoded bencode: byte strings stay Buffers; dict keys are kept as raw bytes, in input order. */
export type BNode = BInt | BBytes | BList | BDictNode;
export interface BInt {
  type: 'int';
  value: bigint;
  start: number;
  end: number;
}
export interface BBytes {
  type: 'bytes';
  value: Buffer;
  start: number;
  end: number;
}
export interface BList {
  type: 'list';
  items: BNode[];
  start: number;
  end: number;
}
export interface BDictNode {
  type: 'dict';
  entries: { key: Buffer; value: BNode }[];
  start: number;
  end: number;
}

/** Thrown for malformed bencode; `offset` is the byte where the problem was found. */
export class BencodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

const MAX_DEPTH = 256;

/**
 * Strict bencode decoder. Rejects truncation, trailing bytes, leading zeros, `-0`, duplicate
 * dictionary keys, and nesting deeper than 256, with the offending byte offset.
 * Every node records its [start, end) span so callers can hash the original bytes.
 */
export function bdecode(data: Uint8Array): BNode {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length === 0) throw new BencodeError('empty input', 0);
  let pos = 0;

  const need = (what: string): number => {
    if (pos >= buf.length) throw new BencodeError(`truncated: input ends while reading ${what}`, pos);
    return buf[pos];
  };

  const readDigits = (terminator: number, what: string): bigint => {
    const start = pos;
    let negative = false;
    if (need(what) === 0x2d) {
      negative = true;
      pos++;
    }
    const digitsStart = pos;
    while (need(what) !== terminator) {
      const c = buf[pos];
      if (c < 0x30 || c > 0x39) {
        throw new BencodeError(`invalid ${what}: unexpected ${describe(c)}`, pos);
      }
      pos++;
    }
    if (pos === digitsStart) throw new BencodeError(`invalid ${what}: no digits`, start);
    if (buf[digitsStart] === 0x30 && pos - digitsStart > 1)
      throw new BencodeError(`invalid ${what}: leading zero`, start);
    if (negative && pos - digitsStart === 1 && buf[digitsStart] === 0x30)
      throw new BencodeError(`invalid ${what}: -0`, start);
    const value = BigInt(buf.toString('latin1', start, pos));
    pos++; // terminator
    return value;
  };

  const readBytes = (): BBytes => {
    const start = pos;
    if (buf[pos] === 0x2d) throw new BencodeError('invalid string length: negative', pos);
    const len = readDigits(0x3a, 'string length');
    const end = pos + Number(len);
    if (len > BigInt(buf.length) || end > buf.length) {
      throw new BencodeError(
        `truncated: string of ${len} bytes starting at byte ${pos} runs past the end of input (${buf.length} bytes)`,
        start,
      );
    }
    const value = buf.subarray(pos, end);
    pos = end;
    return { type: 'bytes', value, start, end };
  };

  const readNode = (depth: number): BNode => {
    if (depth > MAX_DEPTH) throw new BencodeError(`nesting deeper than ${MAX_DEPTH}`, pos);
    const start = pos;
    const c = need('a value');
    if (c === 0x69) {
      pos++;
      const value = readDigits(0x65, 'integer');
      return { type: 'int', value, start, end: pos };
    }
    if (c === 0x6c) {
      pos++;
      const items: BNode[] = [];
      while (need('a list') !== 0x65) items.push(readNode(depth + 1));
      pos++;
      return { type: 'list', items, start, end: pos };
    }
    if (c === 0x64) {
      pos++;
      const entries: { key: Buffer; value: BNode }[] = [];
      let prev: Buffer | undefined;
      while (need('a dictionary') !== 0x65) {
        const keyAt = pos;
        const k = need('a dictionary key');
        if (k < 0x30 || k > 0x39)
          throw new BencodeError(`invalid dictionary key: expected a string, got ${describe(k)}`, pos);
        const key = readBytes().value;
        // Unsorted keys occur in the wild and libtorrent accepts them; duplicates are ambiguous.
        if (prev && Buffer.compare(prev, key) >= 0 && entries.some((e) => e.key.equals(key))) {
          throw new BencodeError(`duplicate dictionary key "${printable(key)}"`, keyAt);
        }
        prev = key;
        entries.push({ key, value: readNode(depth + 1) });
      }
      pos++;
      return { type: 'dict', entries, start, end: pos };
    }
    if (c >= 0x30 && c <= 0x39) return readBytes();
    throw new BencodeError(`invalid bencode: unexpected ${describe(c)}`, pos);
  };

  const root = readNode(0);
  if (pos !== buf.length)
    throw new BencodeError(`trailing garbage: ${buf.length - pos} bytes after the end of the top-level value`, pos);
  return root;
}

function describe(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function printable(key: Buffer): string {
  const s = key.toString('utf8');
  return /^[\x20-\x7e\u00a0-\uffff]*$/u.test(s) && !s.includes('\ufffd') ? s : `0x${key.toString('hex')}`;
}

/** Look up a key in a decoded dictionary. */
export function dictGet(dict: BDictNode, key: string): BNode | undefined {
  for (const e of dict.entries) if (e.key.toString('latin1') === key) return e.value;
  return undefined;
}
