#!/usr/bin/python3
"""Reference torrents from libtorrent (python3-libtorrent 2.0.x) for Keyseed's interop tests and benchmark.

usage: lt_create.py MODE PIECE_LENGTH PATH OUT
  MODE: hybrid (libtorrent default flags) | v2 (v2_only) | v1 (v1_only, files added in
        byte-wise full-path order, as mktorrent orders them and as `keyseed torrent create --v1-only` does)
Prints JSON {"v1": hex|null, "v2": hex|null} with the info-hashes; writes the .torrent to OUT.
"""
import json
import os
import sys

try:
    import libtorrent as lt
except ImportError:
    print("libtorrent python bindings missing (apt install python3-libtorrent)", file=sys.stderr)
    sys.exit(3)


def sorted_files(root):
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            full = os.path.join(dirpath, f)
            out.append(os.path.relpath(full, os.path.dirname(root)))
    return sorted(out, key=lambda p: p.encode("utf-8"))


def main():
    mode, piece_length, path, out = sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3]), sys.argv[4]
    fs = lt.file_storage()
    flags = 0
    if mode == "hybrid":
        lt.add_files(fs, path)
    elif mode == "v2":
        flags = lt.create_torrent.v2_only
        lt.add_files(fs, path)
    elif mode == "v1":
        flags = lt.create_torrent.v1_only
        if os.path.isdir(path):
            for rel in sorted_files(path):
                fs.add_file(rel, os.path.getsize(os.path.join(os.path.dirname(path), rel)))
        else:
            lt.add_files(fs, path)
    else:
        raise SystemExit("unknown mode " + mode)
    ct = lt.create_torrent(fs, piece_length, flags)
    lt.set_piece_hashes(ct, os.path.dirname(path))
    data = lt.bencode(ct.generate())
    with open(out, "wb") as f:
        f.write(data)
    ti = lt.torrent_info(out)
    ih = ti.info_hashes()
    v1 = str(ih.v1) if ih.has_v1() else None
    v2 = ih.v2.to_bytes().hex() if ih.has_v2() else None
    print(json.dumps({"v1": v1, "v2": v2}))


main()
