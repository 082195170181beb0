"""Downloads a torrent with DHT/LSD/PEX off. By default from peers only (url-list stripped): the
tracker must introduce the seeder. With `webseed-only`, from the torrent's webseed only (the
tracker URL is dropped instead). Exit 0 when complete, 3 on timeout.

usage: lt_leech.py <torrent> <save path> <timeout seconds> [webseed-only]
"""
import sys

import libtorrent as lt
from lt_common import emit, load_torrent, session, wait_until

torrent, save_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
webseed_only = len(sys.argv) > 4 and sys.argv[4] == 'webseed-only'
# ssrf_mitigation restricts web seeds on loopback; the platform under test is local.
ses = session({'ssrf_mitigation': False} if webseed_only else None)
ti = load_torrent(torrent, strip_webseeds=not webseed_only, strip_trackers=webseed_only)
h = ses.add_torrent({'ti': ti, 'save_path': save_path})
wait_until(ses, lambda: h.status().is_seeding, timeout, 'leecher download')
s = h.status()
emit('complete', pieces=s.num_pieces, downloaded=s.total_payload_download, peers=s.num_peers)
