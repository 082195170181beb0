"""Rechecks a downloaded folder against a torrent; exit 0 only if every piece verifies.

usage: lt_recheck.py <torrent> <save path> [timeout seconds]
"""
import sys
import time

import libtorrent as lt
from lt_common import emit, load_torrent, session

torrent, save_path = sys.argv[1], sys.argv[2]
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60
ses = session()
ti = load_torrent(torrent, strip_webseeds=True)
# A fresh add with no resume data makes libtorrent hash every piece already on disk.
h = ses.add_torrent({'ti': ti, 'save_path': save_path, 'flags': lt.torrent_flags.upload_mode})
deadline = time.time() + timeout
checked = False
while time.time() < deadline and not checked:
    ses.wait_for_alert(200)
    for a in ses.pop_alerts():
        if isinstance(a, lt.torrent_checked_alert):
            checked = True
        elif isinstance(a, lt.torrent_error_alert):
            emit('error', message=a.message())
            sys.exit(2)
if not checked:
    emit('timeout', what='recheck', seconds=timeout)
    sys.exit(3)
s = h.status()
emit('recheck', pieces=s.num_pieces, total=ti.num_pieces(), infoHashV1=str(ti.info_hashes().v1))
sys.exit(0 if s.num_pieces == ti.num_pieces() else 1)
