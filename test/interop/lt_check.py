#!/usr/bin/python3
"""Load a .torrent in libtorrent (no resume data, so it checks every piece) against SAVE_PATH.

usage: lt_check.py TORRENT SAVE_PATH
Prints JSON {"pieces": n, "have": n, "v1": hex|null, "v2": hex|null, "error": str|null}.
"""
import json
import sys
import time

try:
    import libtorrent as lt
except ImportError:
    print("libtorrent python bindings missing (apt install python3-libtorrent)", file=sys.stderr)
    sys.exit(3)


def main():
    torrent, save_path = sys.argv[1], sys.argv[2]
    ti = lt.torrent_info(torrent)
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
    })
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = save_path
    atp.flags &= ~lt.torrent_flags.auto_managed
    atp.flags &= ~lt.torrent_flags.paused
    # No resume data: libtorrent hashes every piece on disk before it will seed.
    h = ses.add_torrent(atp)
    error = None
    checked = False
    deadline = time.time() + 120
    while not checked and error is None and time.time() < deadline:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            if isinstance(a, lt.torrent_checked_alert):
                checked = True
            elif isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
                error = a.message()
    if not checked and error is None:
        error = "timed out waiting for the check"
    st = h.status()
    ih = ti.info_hashes()
    print(json.dumps({
        "pieces": ti.num_pieces(),
        "have": st.num_pieces,
        "v1": str(ih.v1) if ih.has_v1() else None,
        "v2": ih.v2.to_bytes().hex() if ih.has_v2() else None,
        "error": error,
    }))


main()
