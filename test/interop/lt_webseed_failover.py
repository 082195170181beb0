"""Downloads a torrent from its webseed only (tracker dropped), retrying a failed web seed after
one second instead of libtorrent's 30 (a load-balanced origin whose replica died answers the retry
from another replica). Exit 0 when complete, 3 on timeout. An optional download rate limit
(bytes/s) keeps the download going long enough for a test to stop a replica part-way; once
libtorrent has payload it prints {"event": "downloading"}.

usage: lt_webseed_failover.py <torrent> <save path> <timeout seconds> [<download limit B/s>]
"""
import sys

from lt_common import emit, load_torrent, session, wait_until

torrent, save_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
limit = int(sys.argv[4]) if len(sys.argv) > 4 else 0
# ssrf_mitigation restricts web seeds on loopback; the platform under test is local.
ses = session({'ssrf_mitigation': False, 'urlseed_wait_retry': 1, 'urlseed_timeout': 5,
               'download_rate_limit': limit})
h = ses.add_torrent({'ti': load_torrent(torrent, strip_trackers=True), 'save_path': save_path})
wait_until(ses, lambda: h.status().total_payload_download > 0, timeout, 'first webseed bytes')
emit('downloading', downloaded=h.status().total_payload_download)
wait_until(ses, lambda: h.status().is_seeding, timeout, 'webseed download')
s = h.status()
emit('complete', pieces=s.num_pieces, downloaded=s.total_payload_download)
