"""Downloads a magnet link or a .torrent with libtorrent (DHT/LSD/PEX off, ut_metadata on so
magnets resolve) and reports where the payload came from: bytes per web seed and per peer, and
whether peers were reached over uTP or TCP. Exit 0 when complete, 3 on timeout.

usage: lt_swarm_leech.py <magnet|torrent> <save path> <timeout s> [--utp-only|--tcp-only] [--no-webseed]
       [--seed-for S] [--web-request-bytes B] [--download-limit B/s] [--upload-limit B/s] [--bind 127.0.0.N]

--bind: listen, announce and fetch from this (loopback) address, so that the tracker and the webseed
see each test client at an address of its own, as they see buyers.
"""
import sys
import time

import libtorrent as lt
from lt_common import emit, load_torrent, session

source, save_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
flags = sys.argv[4:]
utp_only = '--utp-only' in flags
tcp_only = '--tcp-only' in flags
no_webseed = '--no-webseed' in flags
seed_for = float(flags[flags.index('--seed-for') + 1]) if '--seed-for' in flags else 0.0
# --piece-sources: report which pieces each source sent blocks of (block alerts: costs CPU, for diagnosis)
piece_sources = '--piece-sources' in flags

settings = {
    'ssrf_mitigation': False,
    'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
    | lt.alert.category_t.connect_notification | lt.alert.category_t.tracker_notification
    | (lt.alert.category_t.block_progress_notification | lt.alert.category_t.piece_progress_notification
       if piece_sources else 0),
    'alert_queue_size': 100000 if piece_sources else 2000,
}
if '--bind' in flags:
    ip = flags[flags.index('--bind') + 1]
    settings.update({'listen_interfaces': '%s:0' % ip, 'outgoing_interfaces': ip})
if '--upload-limit' in flags:
    # loopback peers are "local": libtorrent would not limit them otherwise
    settings.update({'upload_rate_limit': int(flags[flags.index('--upload-limit') + 1]),
                     'ignore_limits_on_local_network': False})
if '--download-limit' in flags:
    settings['download_rate_limit'] = int(flags[flags.index('--download-limit') + 1])
if '--web-request-bytes' in flags:
    settings['urlseed_max_request_bytes'] = int(flags[flags.index('--web-request-bytes') + 1])
if utp_only:
    settings.update({
        'enable_outgoing_tcp': False,
        'enable_incoming_tcp': False,
        'enable_outgoing_utp': True,
        'enable_incoming_utp': True,
    })
elif not tcp_only:
    settings.update({'enable_outgoing_utp': True, 'enable_incoming_utp': True})
ses = session(settings)
ses.add_extension('ut_metadata')

params = lt.parse_magnet_uri(source) if source.startswith('magnet:') else lt.add_torrent_params()
if not source.startswith('magnet:'):
    params.ti = load_torrent(source, strip_webseeds=no_webseed)
elif no_webseed:
    params.url_seeds = []
params.save_path = save_path
h = ses.add_torrent(params)

t0 = time.time()
got_metadata_at = None
by_source = {}
# [seconds, pieces held, pieces lacked that none of its peers has] every PROGRESS_EVERY s: where a download waited
progress = []
PROGRESS_EVERY = 0.5
next_sample = t0
transports = set()
pieces_by_endpoint = {}
# with --piece-sources: the pieces lacked (and how many peers held each) once 3 or fewer remain
last_lacked = []
piece_times = {}
web_endpoints = set()
connects = []
done_at = None
while True:
    for a in ses.pop_alerts():
        if isinstance(a, lt.piece_finished_alert):
            piece_times[int(a.piece_index)] = round(time.time() - t0, 2)
            continue
        if isinstance(a, lt.block_finished_alert):
            pieces_by_endpoint.setdefault('%s:%d' % tuple(a.endpoint), set()).add(int(a.piece_index))
            continue
        # "… connecting to peer (uTP)" / "(TCP)": the transport of every outgoing peer connection
        if isinstance(a, (lt.peer_connect_alert, lt.incoming_connection_alert)):
            m = a.message().lower()
            if len(connects) < 5:
                connects.append(a.message())
            transports.update(t for t in ('utp', 'tcp') if '(%s' % t in m or ' %s ' % t in m or m.endswith(t))
    now = time.time()
    if now - t0 > timeout:
        st = h.status()
        # what a stalled download looked like: its payload so far, its peers, the last progress samples
        emit('timeout', what='download', seconds=timeout, progress=st.progress, has_metadata=st.has_metadata,
             downloaded=st.total_payload_download, peers=st.num_peers, sources=by_source,
             last_progress=progress[-8:], connects=connects)
        sys.exit(3)
    s = h.status()
    if got_metadata_at is None and s.has_metadata:
        got_metadata_at = now - t0
    for p in h.get_peer_info():
        web = p.connection_type in (lt.peer_info.web_seed, lt.peer_info.http_seed)
        key = ('web ' + p.ip[0]) if web else '%s:%d' % (p.ip[0], p.ip[1])
        if web:
            web_endpoints.add('%s:%d' % (p.ip[0], p.ip[1]))
        by_source[key] = max(by_source.get(key, 0), p.total_download)
    if s.has_metadata and done_at is None and now >= next_sample:
        next_sample = now + PROGRESS_EVERY
        have = s.pieces
        availability = h.piece_availability()
        unheld = sum(1 for i, n in enumerate(availability) if n == 0 and not have[i])
        progress.append([round(now - t0, 1), s.num_pieces, unheld])
        if piece_sources and 0 < len(have) - s.num_pieces <= 3:
            last_lacked.append([round(now - t0, 1), [[i, availability[i]] for i, got in enumerate(have) if not got]])
    if s.is_seeding and done_at is None:
        done_at = now - t0
    if done_at is not None and now - t0 - done_at >= seed_for:
        break
    time.sleep(0.02)

s = h.status()
# Leave as a client that quits does: the tracker hears 'stopped' (a finished leecher that just exits
# stays listed as a seeder until its announce expires, a seed nobody can reach). libtorrent sends
# 'stopped' for a hash only once its 'started' was answered, and a removed torrent's announces may
# never leave before the process exits: wait (5 s at most) until every announce so far, 'completed'
# included, was answered, pause (not auto-managed, or the session resumes it and announces
# 'started' again; not graceful, which waits for the peers' outstanding requests), wait until
# 'stopped' was answered, then remove.
def announces():
    return [a for t in h.trackers() for e in t['endpoints'] for a in e['info_hashes']]


def wait_for(done, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline and not done():
        time.sleep(0.02)


downloaded = s.total_payload_download > 0
wait_for(lambda: all(a['start_sent'] and not a['updating'] and (a['complete_sent'] or not downloaded)
                     for a in announces()), 5)
ses.pop_alerts()
h.unset_flags(lt.torrent_flags.auto_managed)
h.pause()
answers = [0]


def stopped_answered():
    answers[0] += sum(isinstance(a, (lt.tracker_reply_alert, lt.tracker_error_alert)) for a in ses.pop_alerts())
    return answers[0] >= len(announces())


wait_for(stopped_answered, 5)
ses.remove_torrent(h)
emit('complete', seconds=done_at, metadata_seconds=got_metadata_at, pieces=s.num_pieces,
     downloaded=s.total_payload_download, redundant=s.total_redundant_bytes, failed=s.total_failed_bytes,
     sources=by_source, transports=sorted(transports), connects=connects, progress=progress,
     last_lacked=last_lacked, piece_times=piece_times, piece_sources={('web' if k in web_endpoints else k): sorted(v) for k, v in pieces_by_endpoint.items()})
