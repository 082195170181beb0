"""Writes a copy of a .torrent without `url-list`/`httpseeds` (peers only: the tracker must do the work).

usage: lt_strip.py <in.torrent> <out.torrent>
"""
import sys

import libtorrent as lt

data = lt.bdecode(open(sys.argv[1], 'rb').read())
data.pop(b'url-list', None)
data.pop(b'httpseeds', None)
with open(sys.argv[2], 'wb') as f:
    f.write(lt.bencode(data))
