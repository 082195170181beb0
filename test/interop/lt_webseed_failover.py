"""Downloads a torrent from its webseed only (tracker dropped), retrying a failed web seed after
one second instead of libtorrent's 30 (a load-balanced origin whose replica died answers the retry
from another replica). Exit 0 when complete, 3 on timeout. An optional download rate limit
(bytes/s) keeps the download going long enough for a test to stop a replica part-way; once
libtorrent has payload it prints {"event": "downloading"}.

libtorrent 2.0.8 (Debian's) sometimes never reconnects a web seed whose connection closed with
requests outstanding: it posts `url seed ... failed: Success`, keeps the URL listed, and opens no
connection again (seen in about half the runs of the replica-kill test; later libtorrent releases
reworked web seed reconnection). A user would pause and resume; this script does the same for the
web seed alone — after 10 s with no connection and no progress it removes and re-adds the URL —
and reports each such nudge as {"event": "webseed-readded"} so the test can tell them apart.

usage: lt_webseed_failover.py <torrent> <save path> <timeout seconds> [<download limit B/s>]
"""
import sys
import time

from lt_common import emit, load_torrent, session, wait_until

STALL_SECONDS = 10

torrent, save_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
limit = int(sys.argv[4]) if len(sys.argv) > 4 else 0
# ssrf_mitigation restricts web seeds on loopback; the platform under test is local.
ses = session({'ssrf_mitigation': False, 'urlseed_wait_retry': 1, 'urlseed_timeout': 5,
               'download_rate_limit': limit})
h = ses.add_torrent({'ti': load_torrent(torrent, strip_trackers=True), 'save_path': save_path})
wait_until(ses, lambda: h.status().total_payload_download > 0, timeout, 'first webseed bytes')
emit('downloading', downloaded=h.status().total_payload_download)

progress = {'done': -1, 'since': time.time()}


def complete_or_nudge():
    s = h.status()
    if s.is_seeding:
        return True
    now = time.time()
    if s.total_wanted_done != progress['done'] or s.num_peers > 0:
        progress['done'], progress['since'] = s.total_wanted_done, now
    elif now - progress['since'] > STALL_SECONDS:
        for url in h.url_seeds():
            h.remove_url_seed(url)
            h.add_url_seed(url)
        emit('webseed-readded', done=s.total_wanted_done)
        progress['since'] = now
    return False


wait_until(ses, complete_or_nudge, timeout, 'webseed download')
s = h.status()
emit('complete', pieces=s.num_pieces, downloaded=s.total_payload_download)
