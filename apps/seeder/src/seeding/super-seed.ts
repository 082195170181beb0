import type { WtTorrent, WtWire } from '@keyseed/webtorrent/webtorrent-types';
import { PieceOffers } from './piece-offers';

/** How often every peer's offers are looked at again (peers that left free their offers; starving peers). */
const TICK_MS = 1000;

/**
 * Makes a seeding webtorrent torrent super-seed (rules in piece-offers.ts): each new peer connection
 * is told the seed has no piece (webtorrent's have-all or full bitfield, sent right after the
 * 'wire' event, is replaced), then gets HAVE messages for its offers as they become due. The peer
 * may request any piece: the seed serves whatever is asked (the store holds everything).
 */
export function superSeed(torrent: WtTorrent, pieces: number): void {
  const offers = new PieceOffers<WtWire>(pieces);
  // A peer that wants to download but is kept choked holds its offers back from nobody.
  const reserves = (w: WtWire) => !(w.amChoking && w.peerInterested);
  const advertise = (wire: WtWire) => {
    for (const i of offers.offer(wire, Date.now(), reserves)) wire.have(i);
  };
  torrent.on('wire', (wire) => {
    offers.join(wire, Date.now());
    const sendBitfield = wire.bitfield.bind(wire);
    const advertiseNone = () => {
      if (wire.hasFast) wire.haveNone();
      else sendBitfield(new Uint8Array(Math.ceil(pieces / 8)));
      offers.holds(wire, (i) => wire.peerPieces.get(i), Date.now());
      advertise(wire);
    };
    wire.haveAll = advertiseNone;
    wire.bitfield = advertiseNone;
    const resync = () => {
      offers.holds(wire, (i) => wire.peerPieces.get(i), Date.now());
      advertise(wire);
    };
    wire.on('bitfield', resync);
    wire.on('have-all', resync);
    wire.on('have-none', resync);
    wire.on('have', (i) => {
      if (offers.gained(wire, i, Date.now())) advertise(wire);
    });
    wire.once('close', () => offers.leave(wire));
  });
  const timer = setInterval(() => {
    for (const wire of torrent.wires) advertise(wire);
  }, TICK_MS);
  timer.unref();
  torrent.once('close', () => clearInterval(timer));
}
