"""Shared libtorrent set-up for the interop tests: loopback only, no DHT/LSD/PEX/UPnP, bounded waits."""
import json
import sys
import time

import libtorrent as lt


def session(extra=None):
    settings = {
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False,
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_incoming_utp': False,
        'enable_outgoing_utp': False,
        # every test peer is 127.0.0.1
        'allow_multiple_connections_per_ip': True,
        'announce_to_all_trackers': True,
        'announce_to_all_tiers': True,
        'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
        | lt.alert.category_t.tracker_notification,
    }
    settings.update(extra or {})
    # flags=0: no default plugins, hence no ut_pex (peer exchange) and no ut_metadata
    return lt.session(settings, 0)


def load_torrent(path, strip_webseeds=False, strip_trackers=False):
    data = lt.bdecode(open(path, 'rb').read())
    if strip_webseeds:
        data.pop(b'url-list', None)
        data.pop(b'httpseeds', None)
    if strip_trackers:
        data.pop(b'announce', None)
        data.pop(b'announce-list', None)
    return lt.torrent_info(data)


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def drain_alerts(ses, verbose=True):
    for a in ses.pop_alerts():
        if verbose and (a.category() & (lt.alert.category_t.error_notification | lt.alert.category_t.tracker_notification)):
            print(json.dumps({'event': 'alert', 'type': type(a).__name__, 'message': a.message()}), file=sys.stderr, flush=True)


def wait_until(ses, predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        drain_alerts(ses)
        if predicate():
            return
        time.sleep(0.1)
    emit('timeout', what=what, seconds=timeout)
    sys.exit(3)
