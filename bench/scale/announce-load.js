// Announce load for bench/scale: autocannon (programmatic, so every request can name another peer)
// sending compact HTTP announces for one info-hash from a pool of peers, as a swarm of that size
// would. Prints autocannon's JSON result.
//
// usage: node bench/scale/announce-load.js <announce URL> <info-hash hex> <connections> <seconds> [<peers>]
'use strict';
const autocannon = require('autocannon');

const [url, infoHashHex, connections, seconds, peerCount = '2000'] = process.argv.slice(2);
const target = new URL(url);
const infoHash = infoHashHex.replace(/../g, '%$&');
const peers = Number(peerCount);
let n = 0;

autocannon(
  {
    url: target.origin,
    connections: Number(connections),
    duration: Number(seconds),
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const p = n++ % peers;
          const peerId = `-KS0001-${String(p).padStart(12, '0')}`;
          // A tenth of the swarm seeds: trackers answer seeders and leechers differently.
          const left = p % 10 === 0 ? 0 : 1_000_000;
          req.path =
            `${target.pathname}?info_hash=${infoHash}&peer_id=${peerId}&port=${10000 + p}` +
            `&uploaded=0&downloaded=0&left=${left}&compact=1&numwant=50`;
          return req;
        },
      },
    ],
  },
  (err, result) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
);
