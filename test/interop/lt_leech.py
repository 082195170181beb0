"""Downloads a torrent from peers only (url-list stripped, no DHT/LSD/PEX): the tracker must
introduce the seeder. Exit 0 when complete, 3 on timeout.

usage: lt_leech.py <torrent> <save path> <timeout seconds>
"""
import sys

import libtorrent as lt
from lt_common import emit, load_torrent, session, wait_until

torrent, save_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
ses = session()
h = ses.add_torrent({'ti': load_torrent(torrent, strip_webseeds=True), 'save_path': save_path})
wait_until(ses, lambda: h.status().is_seeding, timeout, 'leecher download')
s = h.status()
emit('complete', pieces=s.num_pieces, downloaded=s.total_payload_download, peers=s.num_peers)
