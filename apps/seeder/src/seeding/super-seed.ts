import type { WtTorrent, WtWire } from '@keyseed/webtorrent/webtorrent-types';
import { comparableAddress } from '@keyseed/egress/webseed-ranges';
import { offersInFlight, PieceOffers } from './piece-offers';

/** How often every peer's offers are looked at again (peers that left free their offers; starving peers). */
const TICK_MS = 1000;

/**
 * Makes a seeding webtorrent torrent super-seed (rules in piece-offers.ts): each new peer connection
 * is told the seed has no piece (webtorrent's have-all or full bitfield, sent right after the
 * 'wire' event, is replaced), then gets HAVE messages for its offers as they become due. The peer
 * may request any piece: the seed serves whatever is asked (the store holds everything). A peer
 * fetching from the webseed is choked while it does (webtorrent's own unchoking is held back for
 * it) and gets HAVEs for the pieces on their way to others instead, to steer its picker.
 */
export interface SuperSeed {
  /** The peer(s) at `address` are fetching pieces first..last from the webseed. */
  webseedFetching(address: string, first: number, last: number): void;
}

export function superSeed(torrent: WtTorrent, pieces: number, pieceLength: number, uploadLimit: number): SuperSeed {
  const offers = new PieceOffers<WtWire>(pieces, offersInFlight(uploadLimit, pieceLength));
  // A peer that wants to download but is kept choked holds its offers back from nobody.
  const reserves = (w: WtWire) => !(w.amChoking && w.peerInterested);
  // Wires choked because they were fed by the webseed: unchoked again once they no longer are.
  const chokedWhileFed = new Set<WtWire>();
  // Offers are capped over all peers: whenever one may be due, every peer is looked at, the one
  // waiting longest first.
  const advertise = () => {
    const now = Date.now();
    for (const wire of offers.byWait()) {
      if (offers.fed(wire, now)) {
        for (const i of offers.signals(wire, now)) wire.have(i);
        continue;
      }
      if (chokedWhileFed.delete(wire) && wire.peerInterested) wire.unchoke();
      for (const i of offers.offer(wire, now, reserves)) wire.have(i);
    }
  };
  torrent.on('wire', (wire) => {
    const unchoke = wire.unchoke.bind(wire);
    wire.unchoke = () => {
      if (!offers.fed(wire, Date.now())) unchoke();
    };
    const sendBitfield = wire.bitfield.bind(wire);
    // A peer joins the offers once told the seed has nothing: no HAVE may precede that.
    const advertiseNone = () => {
      if (wire.hasFast) wire.haveNone();
      else sendBitfield(new Uint8Array(Math.ceil(pieces / 8)));
      offers.join(wire, Date.now());
      offers.holds(wire, (i) => wire.peerPieces.get(i), Date.now());
      advertise();
    };
    wire.haveAll = advertiseNone;
    wire.bitfield = advertiseNone;
    const resync = () => {
      offers.holds(wire, (i) => wire.peerPieces.get(i), Date.now());
      advertise();
    };
    wire.on('bitfield', resync);
    wire.on('have-all', resync);
    wire.on('have-none', resync);
    wire.on('have', (i) => {
      if (offers.gained(wire, i, Date.now())) advertise();
    });
    wire.once('close', () => {
      offers.leave(wire);
      chokedWhileFed.delete(wire);
      advertise();
    });
  });
  const timer = setInterval(advertise, TICK_MS);
  timer.unref();
  torrent.once('close', () => clearInterval(timer));
  return {
    webseedFetching(address, first, last) {
      const now = Date.now();
      for (const wire of torrent.wires)
        if (wire.remoteAddress && comparableAddress(wire.remoteAddress) === address) {
          offers.fetching(wire, first, last, now);
          if (!offers.fed(wire, now)) continue; // not told the seed's pieces yet
          // With the fast extension, choking rejects its pending requests: it asks elsewhere.
          if (!wire.amChoking) wire.choke();
          chokedWhileFed.add(wire);
        }
      advertise();
    },
  };
}
