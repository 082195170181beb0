import { createHash } from 'node:crypto';
import { bencode, bdecode, BDict, BNode, BValue } from './bencode';
import { infoHashes } from './info-hash';
import { magnetLink } from './magnet';
import { assertSafePaths, comparePaths, safePathSegments } from './names';
import type { FileHashes } from './piece-hasher';
import { assertPieceLength } from './piece-length';

export type TorrentMode = 'hybrid' | 'v1' | 'v2';

/** Keys outside `info`: none of them changes the info-hashes. */
export interface TorrentMeta {
  /** Tracker URLs: the first becomes `announce`; with more than one, `announce-list` has one tier each. */
  announce?: readonly string[];
  /** BEP 19 web seeds (`url-list`). */
  webseeds?: readonly string[];
  comment?: string;
  /** Default "Keyseed". */
  createdBy?: string;
  /** Unix seconds or a Date; default now; `null` omits it (reproducible output). */
  creationDate?: Date | number | null;
}

export interface TorrentFileInput {
  /** Path inside the torrent (`dir/file.mkv` or segments). */
  path: string | readonly string[];
  hashes: FileHashes;
}

export interface BuildTorrentOptions extends TorrentMeta {
  /** Torrent `name`: the bundle slug (multi-file) or the file name (single-file). */
  name: string;
  files: readonly TorrentFileInput[];
  /** `hybrid` (default: v1 + v2 with BEP 47 pad files) or `v2` (v2 only). Classic v1: {@link buildV1Torrent}. */
  mode?: 'hybrid' | 'v2';
  /**
   * Single-file layout (what libtorrent makes for a single file): `name` is the file, v1 uses
   * `length` instead of `files`, no pad file, so the last v1 piece is the *unpadded* hash
   * (`hashes.lastPieceV1Unpadded`). Requires exactly one file; its path is ignored.
   */
  singleFile?: boolean;
}

export interface BuiltTorrent {
  /** The bencoded .torrent. */
  torrent: Buffer;
  /** The bencoded info dictionary. */
  info: Buffer;
  name: string;
  /** Hex SHA-1 of `info` (null for v2-only). */
  infoHashV1: string | null;
  /** Hex SHA-256 of `info` (null for v1-only). */
  infoHashV2: string | null;
  magnet: string;
}

interface OrderedFile {
  segments: string[];
  hashes: FileHashes;
}

/**
 * Build a hybrid (default) or v2-only torrent from per-file hashes, without touching the files.
 * Files are ordered byte-wise by path, segment by segment (the v2 file tree order); in hybrid
 * mode the v1 `files` list follows that order with a BEP 47 pad file (`attr: "p"`,
 * path `.pad/<N>`) after every file that does not end on a piece boundary, the last one included.
 */
export function buildTorrent(options: BuildTorrentOptions): BuiltTorrent {
  const mode = options.mode ?? 'hybrid';
  if (options.files.length === 0) throw new Error('a torrent needs at least one file');
  const pieceLength = assertPieceLength(options.files[0].hashes.pieceLength);
  const name = safePathSegments(options.name);
  if (name.length !== 1)
    throw new Error(`torrent name must be a single path segment, got ${JSON.stringify(options.name)}`);

  let files: OrderedFile[];
  if (options.singleFile) {
    if (options.files.length !== 1)
      throw new Error(`a single-file torrent has exactly one file, got ${options.files.length}`);
    files = [{ segments: name, hashes: options.files[0].hashes }];
  } else {
    const paths = assertSafePaths(options.files.map((f) => f.path));
    files = options.files
      .map((f, i) => ({ segments: paths[i], hashes: f.hashes }))
      .sort((a, b) => comparePaths(a.segments, b.segments));
  }
  let total = 0;
  for (const f of files) {
    checkHashes(f, pieceLength, mode);
    total += f.hashes.length;
  }
  if (total === 0) throw new Error('cannot make a torrent of empty content (all files are 0 bytes)');

  const info: BDict = {
    name: options.name,
    'piece length': pieceLength,
    'meta version': 2,
    'file tree': fileTree(files, options.singleFile === true),
  };
  if (mode === 'hybrid') {
    if (options.singleFile) {
      const h = files[0].hashes;
      const pieces = Buffer.from(h.piecesV1);
      if (h.length % pieceLength !== 0) {
        if (!h.lastPieceV1Unpadded)
          throw new Error('single-file hybrid torrent needs lastPieceV1Unpadded (hash with PieceHasher)');
        h.lastPieceV1Unpadded.copy(pieces, pieces.length - 20);
      }
      info.length = h.length;
      info.pieces = pieces;
    } else {
      const list: BDict[] = [];
      for (const f of files) {
        list.push({ length: f.hashes.length, path: f.segments });
        const pad = (pieceLength - (f.hashes.length % pieceLength)) % pieceLength;
        if (pad > 0) list.push({ attr: 'p', length: pad, path: ['.pad', String(pad)] });
      }
      info.files = list;
      info.pieces = Buffer.concat(files.map((f) => f.hashes.piecesV1));
    }
  }
  const layers = new Map<Uint8Array, BValue>();
  for (const f of files)
    if (f.hashes.pieceLayer && f.hashes.piecesRoot) layers.set(f.hashes.piecesRoot, f.hashes.pieceLayer);
  return finish(info, options, layers);
}

function checkHashes(f: OrderedFile, pieceLength: number, mode: TorrentMode): void {
  const h = f.hashes;
  const where = `file ${JSON.stringify(f.segments.join('/'))}`;
  if (h.pieceLength !== pieceLength)
    throw new Error(`${where} was hashed with piece length ${h.pieceLength}, expected ${pieceLength}`);
  const pieces = Math.ceil(h.length / pieceLength);
  if (mode === 'hybrid' && h.piecesV1.length !== 20 * pieces)
    throw new Error(`${where}: expected ${pieces} v1 piece hashes, got ${h.piecesV1.length / 20}`);
  if (h.length > 0 && h.piecesRoot?.length !== 32) throw new Error(`${where}: missing pieces root`);
  if (h.length > pieceLength && h.pieceLayer?.length !== 32 * pieces)
    throw new Error(`${where}: expected a piece layer of ${pieces} hashes`);
}

function fileTree(files: OrderedFile[], singleFile: boolean): Map<string, BValue> {
  const root = new Map<string, BValue>();
  for (const f of files) {
    let dir = root;
    const segs = singleFile ? f.segments.slice(-1) : f.segments;
    for (const s of segs.slice(0, -1)) {
      let next = dir.get(s);
      if (!(next instanceof Map)) {
        next = new Map<string, BValue>();
        dir.set(s, next);
      }
      dir = next as Map<string, BValue>;
    }
    const leaf: BDict = { length: f.hashes.length };
    if (f.hashes.length > 0) leaf['pieces root'] = f.hashes.piecesRoot!;
    dir.set(segs[segs.length - 1], new Map([['', leaf]]));
  }
  return root;
}

export interface BuildV1TorrentOptions extends TorrentMeta {
  name: string;
  pieceLength: number;
  /** Files in the order they were hashed (classic v1 has no pad files). */
  files: readonly { path: string | readonly string[]; length: number }[];
  /** SHA-1 of each piece of the files' concatenation (last piece unpadded). */
  pieces: Buffer;
  singleFile?: boolean;
}

/** Classic v1-only torrent: no pad files, pieces span file boundaries. */
export function buildV1Torrent(options: BuildV1TorrentOptions): BuiltTorrent {
  const pieceLength = assertPieceLength(options.pieceLength);
  safePathSegments(options.name);
  const total = options.files.reduce((s, f) => s + f.length, 0);
  if (total === 0) throw new Error('cannot make a torrent of empty content (all files are 0 bytes)');
  const expected = Math.ceil(total / pieceLength);
  if (options.pieces.length !== 20 * expected)
    throw new Error(`expected ${expected} v1 piece hashes, got ${options.pieces.length / 20}`);
  const info: BDict = { name: options.name, 'piece length': pieceLength, pieces: options.pieces };
  if (options.singleFile) {
    if (options.files.length !== 1)
      throw new Error(`a single-file torrent has exactly one file, got ${options.files.length}`);
    info.length = total;
  } else {
    const paths = assertSafePaths(options.files.map((f) => f.path));
    info.files = options.files.map((f, i) => ({ length: f.length, path: paths[i] }));
  }
  return finish(info, options, null);
}

function finish(
  info: BDict,
  meta: TorrentMeta & { name: string },
  layers: Map<Uint8Array, BValue> | null,
): BuiltTorrent {
  const infoBytes = bencode(info);
  const top = topLevel(meta);
  if (layers && layers.size > 0) top['piece layers'] = layers;
  const torrent = spliceInfo(top, infoBytes);
  const hashes = infoHashes(infoBytes, info['meta version'] === 2, 'pieces' in info);
  return {
    torrent,
    info: infoBytes,
    name: meta.name,
    ...hashes,
    magnet: magnetLink({
      infoHashV1: hashes.infoHashV1,
      infoHashV2: hashes.infoHashV2,
      name: meta.name,
      announce: meta.announce,
      webseeds: meta.webseeds,
    }),
  };
}

/** Placeholder so the info dict goes into the torrent exactly as hashed, byte for byte. */
const INFO_MARK = Buffer.from('keyseed:info-placeholder:6f1c2a');

function spliceInfo(top: BDict | Map<Uint8Array, BValue>, infoBytes: Buffer): Buffer {
  if (top instanceof Map) top.set(Buffer.from('info'), INFO_MARK);
  else top.info = INFO_MARK;
  const encoded = bencode(top);
  const marker = Buffer.concat([Buffer.from(`${INFO_MARK.length}:`), INFO_MARK]);
  const at = encoded.indexOf(marker);
  return Buffer.concat([encoded.subarray(0, at), infoBytes, encoded.subarray(at + marker.length)]);
}

function topLevel(meta: TorrentMeta): BDict {
  const top: BDict = {};
  const announce = meta.announce ?? [];
  if (announce.length > 0) top.announce = announce[0];
  if (announce.length > 1) top['announce-list'] = announce.map((a) => [a]);
  if (meta.webseeds && meta.webseeds.length > 0) top['url-list'] = [...meta.webseeds];
  if (meta.comment) top.comment = meta.comment;
  top['created by'] = meta.createdBy ?? 'Keyseed';
  const date = meta.creationDate === undefined ? new Date() : meta.creationDate;
  if (date !== null) top['creation date'] = typeof date === 'number' ? date : Math.floor(date.getTime() / 1000);
  return top;
}

/**
 * The v1-only view of a hybrid torrent: drops `meta version`, `file tree` and `piece layers`,
 * keeps everything else — pad files and v1 pieces included — byte for byte. Its v1 info-hash
 * differs from the hybrid's (the info dict changed). Not what the platform publishes as its v1
 * twin (that one has no pad files: apps/worker's buildV1Twin); a v1 torrent whose files all start
 * on piece boundaries, for tools and tests.
 */
export function toLegacyV1(hybrid: Uint8Array): BuiltTorrent {
  const root = bdecode(hybrid);
  if (root.type !== 'dict') throw new Error('not a torrent: top level is not a dictionary');
  const top = new Map<Uint8Array, BValue>();
  let info: Map<Uint8Array, BValue> | undefined;
  for (const { key, value } of root.entries) {
    const k = key.toString('latin1');
    if (k === 'piece layers') continue;
    if (k === 'info') {
      if (value.type !== 'dict') throw new Error('not a torrent: info is not a dictionary');
      info = new Map();
      for (const e of value.entries) {
        const ik = e.key.toString('latin1');
        if (ik === 'meta version' || ik === 'file tree') continue;
        info.set(e.key, toBValue(e.value));
      }
      continue;
    }
    top.set(key, toBValue(value));
  }
  if (!info) throw new Error('not a torrent: no info dictionary');
  const pieces = [...info.entries()].find(([k]) => Buffer.from(k).toString('latin1') === 'pieces');
  if (!pieces) throw new Error('not a hybrid torrent: it has no v1 pieces');
  const infoBytes = bencode(info);
  const torrent = spliceInfo(top, infoBytes);
  const nameEntry = [...info.entries()].find(([k]) => Buffer.from(k).toString('latin1') === 'name');
  const name = nameEntry ? Buffer.from(nameEntry[1] as Uint8Array).toString('utf8') : '';
  const hashes = infoHashes(infoBytes, false, true);
  const announce = top.get([...top.keys()].find((k) => Buffer.from(k).toString() === 'announce') ?? Buffer.alloc(0));
  return {
    torrent,
    info: infoBytes,
    name,
    ...hashes,
    magnet: magnetLink({ ...hashes, name, announce: announce ? [Buffer.from(announce as Uint8Array).toString()] : [] }),
  };
}

function toBValue(node: BNode): BValue {
  switch (node.type) {
    case 'int':
      return Number(node.value);
    case 'bytes':
      return node.value;
    case 'list':
      return node.items.map(toBValue);
    case 'dict':
      return new Map(node.entries.map((e) => [e.key, toBValue(e.value)] as [Uint8Array, BValue]));
  }
}

/** SHA-1 over arbitrary bytes as hex (exported for tools that hash info dicts they parsed). */
export function sha1Hex(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}
