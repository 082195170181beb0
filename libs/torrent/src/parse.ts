import { BDictNode, BencodeError, bdecode, BNode, dictGet } from './bencode';
import { infoHashes } from './info-hash';
import { magnetLink } from './magnet';
import { assertSafePaths, UnsafePathError } from './names';
import { assertPieceLength } from './piece-length';

/** Malformed or unsupported .torrent; the message says what and where. */
export class TorrentParseError extends Error {}

export interface ParsedFile {
  /** Path segments inside the torrent (for a single-file torrent: `[name]`). */
  path: string[];
  length: number;
  /** BEP 47 pad file (`attr` contains "p"). */
  pad: boolean;
  /** Offset in the v1 byte stream (pad files included); -1 for a v2-only torrent. */
  offset: number;
  /** v2 `pieces root` (null for empty files and v1-only torrents). */
  piecesRoot: Buffer | null;
}

export interface ParsedTorrent {
  name: string;
  version: 'v1' | 'v2' | 'hybrid';
  pieceLength: number;
  /** true when the torrent uses the single-file layout (`length` instead of `files`). */
  singleFile: boolean;
  infoHashV1: string | null;
  infoHashV2: string | null;
  /** v1 order (pad files included) when the torrent has v1 data, otherwise file-tree order. */
  files: ParsedFile[];
  /** Sum of the non-pad file lengths. */
  totalSize: number;
  /** v1 SHA-1 piece hashes, 20 bytes each (null for v2-only). */
  piecesV1: Buffer | null;
  /** v2 piece layers keyed by hex pieces root. */
  pieceLayers: Map<string, Buffer>;
  announce: string[];
  webseeds: string[];
  comment: string | null;
  createdBy: string | null;
  creationDate: number | null;
  private: boolean;
  magnet: string;
  /** The exact bencoded info dictionary from the file. */
  info: Buffer;
}

type Path = string;

function fail(path: Path, why: string): never {
  throw new TorrentParseError(`invalid torrent: ${path} ${why}`);
}

function want<T extends BNode['type']>(node: BNode | undefined, type: T, path: Path): Extract<BNode, { type: T }> {
  const names = { int: 'an integer', bytes: 'a string', list: 'a list', dict: 'a dictionary' };
  if (!node) fail(path, 'is missing');
  if (node.type !== type) fail(path, `must be ${names[type]}, got ${names[node.type]}`);
  return node as Extract<BNode, { type: T }>;
}

function int(node: BNode | undefined, path: Path, min = 0): number {
  const v = want(node, 'int', path).value;
  if (v < BigInt(min) || v > BigInt(Number.MAX_SAFE_INTEGER)) fail(path, `out of range: ${v}`);
  return Number(v);
}

function text(node: BNode | undefined, path: Path): string {
  const b = want(node, 'bytes', path).value;
  const s = b.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(b)) fail(path, 'is not valid UTF-8');
  return s;
}

function optText(dict: BDictNode, key: string): string | null {
  const n = dictGet(dict, key);
  return n?.type === 'bytes' ? n.value.toString('utf8') : null;
}

/**
 * Parse and validate a .torrent (v1, v2 or hybrid). Errors name the offending key and, for broken
 * bencode, the byte offset: "invalid torrent: truncated: input ends while reading a dictionary at
 * byte 1234 (file is 1234 bytes)". The info-hashes are computed over the file's own info bytes.
 */
export function parseTorrent(data: Uint8Array): ParsedTorrent {
  let root: BNode;
  try {
    root = bdecode(data);
  } catch (err) {
    if (err instanceof BencodeError)
      throw new TorrentParseError(`invalid torrent: ${err.message} (file is ${data.byteLength} bytes)`);
    throw err;
  }
  const top = want(root, 'dict', 'top level');
  const infoNode = want(dictGet(top, 'info'), 'dict', '"info"');
  const infoBytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength).subarray(infoNode.start, infoNode.end);
  const name = text(dictGet(infoNode, 'name'), 'info.name');
  const pieceLength = int(dictGet(infoNode, 'piece length'), 'info["piece length"]', 1);

  const metaVersion = dictGet(infoNode, 'meta version');
  const hasV2 = metaVersion !== undefined;
  if (hasV2 && int(metaVersion, 'info["meta version"]') !== 2) fail('info["meta version"]', 'is not 2 (unsupported)');
  const piecesNode = dictGet(infoNode, 'pieces');
  const hasV1 = piecesNode !== undefined;
  if (!hasV1 && !hasV2) fail('info', 'has neither "pieces" (v1) nor "meta version" (v2)');
  if (hasV2) {
    try {
      assertPieceLength(pieceLength);
    } catch (err) {
      fail('info["piece length"]', `is invalid for v2: ${(err as Error).message}`);
    }
  } else if (pieceLength > 2 ** 30 || (pieceLength & (pieceLength - 1)) !== 0) {
    // v1 allows any power of two (old torrents use < 16 KiB); be lenient but sane.
    fail('info["piece length"]', `must be a power of two, got ${pieceLength}`);
  }

  const lengthNode = dictGet(infoNode, 'length');
  const filesNode = dictGet(infoNode, 'files');
  const files: ParsedFile[] = [];
  let singleFile = false;
  let piecesV1: Buffer | null = null;

  // v2 file tree (needed for pieces roots in every mode that has it).
  const v2Files: { path: string[]; length: number; piecesRoot: Buffer | null }[] = [];
  if (hasV2)
    walkTree(want(dictGet(infoNode, 'file tree'), 'dict', 'info["file tree"]'), [], v2Files, 'info["file tree"]');

  if (hasV1) {
    piecesV1 = want(piecesNode, 'bytes', 'info.pieces').value;
    if (piecesV1.length % 20 !== 0) fail('info.pieces', `length ${piecesV1.length} is not a multiple of 20`);
    if (lengthNode !== undefined && filesNode !== undefined) fail('info', 'has both "length" and "files"');
    if (lengthNode !== undefined) {
      singleFile = true;
      files.push({ path: [name], length: int(lengthNode, 'info.length'), pad: false, offset: 0, piecesRoot: null });
    } else {
      const list = want(filesNode, 'list', 'info.files (or info.length)');
      if (list.items.length === 0) fail('info.files', 'is empty');
      let offset = 0;
      list.items.forEach((item, i) => {
        const at = `info.files[${i}]`;
        const f = want(item, 'dict', at);
        const length = int(dictGet(f, 'length'), `${at}.length`);
        const pathList = want(dictGet(f, 'path'), 'list', `${at}.path`);
        if (pathList.items.length === 0) fail(`${at}.path`, 'is empty');
        const path = pathList.items.map((p, j) => text(p, `${at}.path[${j}]`));
        const attr = optText(f, 'attr') ?? '';
        files.push({ path, length, pad: attr.includes('p'), offset, piecesRoot: null });
        offset += length;
      });
    }
    const streamLength = files.reduce((s, f) => s + f.length, 0);
    const pieces = Math.ceil(streamLength / pieceLength);
    if (piecesV1.length / 20 !== pieces) {
      fail('info.pieces', `has ${piecesV1.length / 20} piece hashes but ${streamLength} bytes of files need ${pieces}`);
    }
    if (hasV2) {
      // Hybrid: the v1 files (pads aside) must be the v2 files, in the same order.
      const real = files.filter((f) => !f.pad);
      const single = singleFile && v2Files.length === 1;
      if (real.length !== v2Files.length)
        fail('info', `hybrid mismatch: ${real.length} v1 files but ${v2Files.length} v2 files`);
      real.forEach((f, i) => {
        const v2 = v2Files[i];
        const samePath = single ? v2.path.join('/') === name : v2.path.join('/') === f.path.join('/');
        if (!samePath || v2.length !== f.length)
          fail(
            'info',
            `hybrid mismatch: v1 file ${i} "${f.path.join('/')}" (${f.length} bytes) vs v2 "${v2.path.join('/')}" (${v2.length} bytes)`,
          );
        f.piecesRoot = v2.piecesRoot;
      });
    }
  } else {
    singleFile = v2Files.length === 1 && v2Files[0].path.length === 1 && v2Files[0].path[0] === name;
    for (const f of v2Files)
      files.push({ path: f.path, length: f.length, pad: false, offset: -1, piecesRoot: f.piecesRoot });
  }

  if (!singleFile) {
    try {
      assertSafePaths(files.filter((f) => !f.pad).map((f) => f.path));
    } catch (err) {
      if (err instanceof UnsafePathError) fail('info', `contains an ${err.message}`);
      throw err;
    }
    // eslint-disable-next-line no-control-regex -- NUL is one of the refused characters
  } else if (/[/\\\u0000]/.test(name) || name === '..' || name === '.' || name === '') {
    fail('info.name', `is not a safe file name: ${JSON.stringify(name)}`);
  }

  const pieceLayers = new Map<string, Buffer>();
  if (hasV2) {
    const layersNode = dictGet(top, 'piece layers');
    const layers = layersNode ? want(layersNode, 'dict', '"piece layers"') : undefined;
    for (const e of layers?.entries ?? []) {
      const v = want(e.value, 'bytes', `"piece layers" entry ${e.key.toString('hex')}`).value;
      if (v.length % 32 !== 0)
        fail(`"piece layers" entry ${e.key.toString('hex')}`, `length ${v.length} is not a multiple of 32`);
      pieceLayers.set(e.key.toString('hex'), v);
    }
    for (const f of v2Files) {
      if (f.length <= pieceLength) continue;
      const layer = pieceLayers.get(f.piecesRoot!.toString('hex'));
      const pieces = Math.ceil(f.length / pieceLength);
      if (!layer)
        fail(
          '"piece layers"',
          `has no entry for "${f.path.join('/')}" (${f.length} bytes, pieces root ${f.piecesRoot!.toString('hex')})`,
        );
      if (layer.length !== 32 * pieces)
        fail('"piece layers"', `entry for "${f.path.join('/')}" has ${layer.length / 32} hashes, expected ${pieces}`);
    }
  }

  const announce: string[] = [];
  const a = optText(top, 'announce');
  if (a) announce.push(a);
  const al = dictGet(top, 'announce-list');
  if (al?.type === 'list') {
    for (const tier of al.items)
      if (tier.type === 'list')
        for (const t of tier.items)
          if (t.type === 'bytes' && !announce.includes(t.value.toString())) announce.push(t.value.toString());
  }
  const webseeds: string[] = [];
  const ul = dictGet(top, 'url-list');
  if (ul?.type === 'bytes' && ul.value.length > 0) webseeds.push(ul.value.toString());
  if (ul?.type === 'list') for (const u of ul.items) if (u.type === 'bytes') webseeds.push(u.value.toString());
  const cd = dictGet(top, 'creation date');
  const priv = dictGet(infoNode, 'private');

  const hashes = infoHashes(infoBytes, hasV2, hasV1);
  return {
    name,
    version: hasV1 && hasV2 ? 'hybrid' : hasV2 ? 'v2' : 'v1',
    pieceLength,
    singleFile,
    ...hashes,
    files,
    totalSize: files.filter((f) => !f.pad).reduce((s, f) => s + f.length, 0),
    piecesV1,
    pieceLayers,
    announce,
    webseeds,
    comment: optText(top, 'comment'),
    createdBy: optText(top, 'created by'),
    creationDate: cd?.type === 'int' ? Number(cd.value) : null,
    private: priv?.type === 'int' && priv.value === 1n,
    magnet: magnetLink({ ...hashes, name, announce, webseeds }),
    info: infoBytes,
  };
}

function walkTree(
  dir: BDictNode,
  prefix: string[],
  out: { path: string[]; length: number; piecesRoot: Buffer | null }[],
  at: string,
): void {
  if (dir.entries.length === 0) fail(at, 'is an empty directory');
  for (const { key, value } of dir.entries) {
    const seg = key.toString('utf8');
    if (!Buffer.from(seg, 'utf8').equals(key))
      fail(at, `has a name that is not valid UTF-8 (0x${key.toString('hex')})`);
    const here = `${at}["${seg}"]`;
    const node = want(value, 'dict', here);
    if (seg === '') {
      if (prefix.length === 0) fail(here, 'a file needs a name');
      const length = int(dictGet(node, 'length'), `${here}.length`);
      const rootNode = dictGet(node, 'pieces root');
      let piecesRoot: Buffer | null = null;
      if (length > 0) {
        piecesRoot = want(rootNode, 'bytes', `${here}["pieces root"]`).value;
        if (piecesRoot.length !== 32) fail(`${here}["pieces root"]`, `must be 32 bytes, got ${piecesRoot.length}`);
      }
      out.push({ path: prefix, length, piecesRoot });
      continue;
    }
    const leaf = dictGet(node, '');
    if (leaf && node.entries.length === 1) walkTree(node, [...prefix, seg], out, here);
    else if (leaf) fail(here, 'is both a file and a directory');
    else walkTree(node, [...prefix, seg], out, here);
  }
}
