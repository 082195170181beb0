"""Seeds already-complete torrents from a folder until stdin closes (or the timeout passes).
Prints {"event":"seeding","port":N} once every torrent has verified its data.

usage: lt_seed.py <save path> <timeout seconds> <torrent>...   (url-list is stripped)
"""
import sys
import threading
import time

import libtorrent as lt
from lt_common import drain_alerts, emit, load_torrent, session, wait_until

save_path, timeout, torrents = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
ses = session()
handles = [ses.add_torrent({'ti': load_torrent(t, strip_webseeds=True), 'save_path': save_path}) for t in torrents]
wait_until(ses, lambda: all(h.status().is_seeding for h in handles), 60, 'seeder verifying its data')
emit('seeding', port=ses.listen_port(), torrents=len(handles))

stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
deadline = time.time() + timeout
while not stop.is_set() and time.time() < deadline:
    drain_alerts(ses)
    time.sleep(0.2)
emit('stopped', uploaded=sum(h.status().all_time_upload for h in handles))
