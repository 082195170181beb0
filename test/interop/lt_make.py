"""Makes the hybrid torrent of a folder the way the platform publishes it (libtorrent is the
reference), plus its v1-only twin without pad files, and prints their info-hashes as JSON.

usage: lt_make.py <parent dir> <name> <piece length> <announce url> <webseed url> <out hybrid> <out v1>
"""
import hashlib
import json
import os
import sys

import libtorrent as lt

parent, name, piece_length, announce, webseed, out_hybrid, out_v1 = sys.argv[1:8]
fs = lt.file_storage()
lt.add_files(fs, os.path.join(parent, name))
ct = lt.create_torrent(fs, int(piece_length))  # libtorrent 2.0 default: hybrid v1+v2, canonical order, pad files
ct.add_tracker(announce)
ct.add_url_seed(webseed)
ct.set_creator('keyseed interop fixture')
lt.set_piece_hashes(ct, parent)
torrent = ct.generate()
with open(out_hybrid, 'wb') as f:
    f.write(lt.bencode(torrent))

# v1-only twin: the same files in the same order, no pad files (pieces span files), as the platform
# publishes it for clients that write pad files to disk.
twin_fs = lt.file_storage()
hybrid_files = torrent[b'info'][b'files']
for e in hybrid_files:
    if b'attr' in e and b'p' in e[b'attr']:
        continue
    twin_fs.add_file(os.path.join(name, *(p.decode() for p in e[b'path'])), e[b'length'])
twin = lt.create_torrent(twin_fs, int(piece_length), flags=lt.create_torrent.v1_only)
twin.add_tracker(announce)
twin.add_url_seed(webseed)
twin.set_creator('keyseed interop fixture')
lt.set_piece_hashes(twin, parent)
legacy = twin.generate()
info = legacy[b'info']
with open(out_v1, 'wb') as f:
    f.write(lt.bencode(legacy))

hybrid_info = lt.bencode(torrent[b'info'])
print(json.dumps({
    'infoHashV1': hashlib.sha1(hybrid_info).hexdigest(),
    'infoHashV2': hashlib.sha256(hybrid_info).hexdigest(),
    'infoHashV1Legacy': hashlib.sha1(lt.bencode(info)).hexdigest(),
    'pieceLength': int(piece_length),
    'files': [f.decode() if isinstance(f, bytes) else f for f in [
        '/'.join(p.decode() for p in e[b'path']) for e in info[b'files']]],
}))
