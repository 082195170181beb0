import {
  FETCHING_MS,
  FINISHED_MS,
  OFFER_HORIZON_MS,
  OFFERS_PER_PEER,
  offersInFlight,
  PieceOffers,
  STARVING_MS,
} from './piece-offers';

const all = () => true;

describe('platform seed super-seeding (piece offers)', () => {
  it('offers each peer pieces nobody holds or was offered, OFFERS_PER_PEER at a time, never the same twice', () => {
    const offers = new PieceOffers<string>(4 * OFFERS_PER_PEER);
    const given = new Set<number>();
    for (const peer of ['a', 'b', 'c', 'd']) {
      offers.join(peer, 0);
      const got = offers.offer(peer, 0, all);
      expect(got).toHaveLength(OFFERS_PER_PEER);
      for (const i of got) given.add(i);
    }
    expect(given.size).toBe(4 * OFFERS_PER_PEER);
    // Every piece is out: a fifth peer gets nothing new, and is not starving yet.
    offers.join('e', 0);
    expect(offers.offer('e', 1000, all)).toEqual([]);
  });

  it('offers the next piece once the peer holds one of its offers, and nothing the swarm already holds', () => {
    const offers = new PieceOffers<string>(4);
    offers.join('a', 0);
    offers.join('b', 0);
    offers.holds('b', (i) => i < 2, 0); // b got pieces 0 and 1 elsewhere
    const first = offers.offer('a', 0, all);
    expect(first).toHaveLength(Math.min(2, OFFERS_PER_PEER));
    for (const i of first) expect([2, 3]).toContain(i);
    expect(offers.gained('a', first[0], 10)).toBe(true);
    // The other of 2 and 3 when it was not offered yet; 0 and 1 are at b, never offered until a starves.
    const next = offers.offer('a', 10, all);
    expect([...first, ...next].sort()).toEqual([2, 3]);
    for (const i of [2, 3]) offers.gained('a', i, 20);
    expect(offers.offer('a', 20, all)).toEqual([]);
    expect(offers.gained('a', 0, 30)).toBe(false);
  });

  it('offers a starving peer the rarest piece it lacks, once per STARVING_MS, so nobody stalls', () => {
    const offers = new PieceOffers<string>(3);
    for (const p of ['a', 'b', 'c']) offers.join(p, 0);
    offers.holds('b', (i) => i === 0 || i === 1, 0);
    offers.holds('c', (i) => i === 1 || i === 2, 0);
    // a lacks everything, all of it held by b or c; piece 0 and piece 2 have one holder, 1 has two.
    expect(offers.offer('a', STARVING_MS - 1, all)).toEqual([]);
    const starving = offers.offer('a', STARVING_MS, all);
    expect(starving).toHaveLength(1);
    expect([0, 2]).toContain(starving[0]);
    // One more only after another STARVING_MS without a gain, and while it has no offer left.
    expect(offers.offer('a', STARVING_MS + 10, all)).toEqual([]);
    offers.gained('a', starving[0], STARVING_MS + 20);
    expect(offers.offer('a', 2 * STARVING_MS, all)).toEqual([]);
    expect(offers.offer('a', 2 * STARVING_MS + 20, all)).toHaveLength(1);
  });

  it('gives the offers of a peer that left to the next one', () => {
    const offers = new PieceOffers<string>(OFFERS_PER_PEER);
    offers.join('a', 0);
    const toA = offers.offer('a', 0, all);
    expect(toA).toHaveLength(OFFERS_PER_PEER);
    offers.join('b', 0);
    expect(offers.offer('b', 0, all)).toEqual([]);
    offers.leave('a');
    expect(offers.offer('b', 0, all).sort()).toEqual(toA.sort());
  });

  it('does not let a peer kept choked while interested hold its offers back from the others', () => {
    const offers = new PieceOffers<string>(OFFERS_PER_PEER);
    offers.join('a', 0);
    offers.join('b', 0);
    const toA = offers.offer('a', 0, all);
    expect(offers.offer('b', 0, (p) => p !== 'a').sort()).toEqual(toA.sort());
  });

  it('offers nothing to a peer that holds every piece', () => {
    const offers = new PieceOffers<string>(2);
    offers.join('a', 0);
    offers.holds('a', all, 0);
    expect(offers.offer('a', 10 * STARVING_MS, all)).toEqual([]);
  });

  it('keeps at most maxInFlight offers outstanding over all peers, the next free one to the peer waiting longest', () => {
    const offers = new PieceOffers<string>(20, 3);
    for (const p of ['a', 'b', 'c']) offers.join(p, 0);
    const given = new Map<string, number[]>();
    for (const p of offers.byWait()) given.set(p, offers.offer(p, 10, all));
    expect([...given.values()].flat()).toHaveLength(3);
    const waiting = [...given].find(([, got]) => got.length === 0)![0];
    const holder = [...given].find(([, got]) => got.length > 0)!;
    expect(offers.byWait()[0]).toBe(waiting);
    // A piece arrives: one slot frees, and the peer that has waited longest takes it.
    offers.gained(holder[0], holder[1][0], 20);
    expect(offers.offer(offers.byWait()[0], 20, all)).toHaveLength(1);
    for (const p of offers.byWait()) expect(offers.offer(p, 20, all)).toEqual([]);
  });

  it('does not let the cap stall anyone: a starving peer is still offered a piece', () => {
    const offers = new PieceOffers<string>(10, 2);
    offers.join('a', 0);
    offers.join('b', 0);
    expect(offers.offer('a', 0, all)).toHaveLength(2);
    expect(offers.offer('b', STARVING_MS - 1, all)).toEqual([]);
    expect(offers.offer('b', STARVING_MS, all)).toHaveLength(1);
  });

  it("caps offers at the seed's upload limit for OFFER_HORIZON_MS, never below OFFERS_PER_PEER, none without a limit", () => {
    const MiB = 1024 * 1024;
    expect(offersInFlight(8 * MiB, 4 * MiB)).toBe(Math.ceil((8 * OFFER_HORIZON_MS) / 1000 / 4));
    expect(offersInFlight(MiB, 16 * MiB)).toBe(OFFERS_PER_PEER);
    expect(offersInFlight(0, 4 * MiB)).toBe(Infinity);
  });

  it('offers nobody the pieces a peer is fetching from the webseed, until it has them or FETCHING_MS passes', () => {
    const offers = new PieceOffers<string>(4);
    offers.join('fed', 0);
    offers.join('b', 0);
    offers.fetching('fed', 0, 2, 0);
    expect(offers.offer('b', 0, all)).toEqual([3]);
    expect(offers.offer('fed', 0, all)).toEqual([]);
    // The fed peer got piece 0; 1 and 2 are still on their way: b is offered nothing new.
    offers.gained('fed', 0, 10);
    offers.gained('b', 3, 10);
    expect(offers.offer('b', 10, all)).toEqual([]);
    // A range that never arrived frees its pieces.
    expect(offers.offer('b', FETCHING_MS, all).sort()).toEqual([1, 2]);
  });

  it('offers a fed peer nothing while it fetches from the webseed, and frees its offers for the others', () => {
    const offers = new PieceOffers<string>(2);
    offers.join('fed', 0);
    offers.join('b', 0);
    expect(offers.offer('fed', 0, all)).toHaveLength(2);
    offers.fetching('fed', 0, 0, 10);
    expect(offers.fed('fed', 10)).toBe(true);
    // Piece 0 is on its way from the webseed; piece 1, offered to it before, goes to b.
    expect(offers.offer('b', 10, all)).toEqual([1]);
    expect(offers.offer('fed', 10 + STARVING_MS, all)).toEqual([]);
    // FETCHING_MS after its last range it is a peer like the others again.
    expect(offers.fed('fed', 10 + FETCHING_MS)).toBe(false);
    expect(offers.offer('fed', 10 + FETCHING_MS, all)).toHaveLength(1);
  });

  it("announces to a fed peer, once each, the pieces on their way to others: the seed's offers, other fed peers' ranges", () => {
    const offers = new PieceOffers<string>(8);
    for (const p of ['fed', 'other-fed', 'b']) offers.join(p, 0);
    offers.fetching('fed', 0, 1, 0);
    offers.fetching('other-fed', 2, 3, 0);
    offers.holds('fed', (i) => i === 3, 0);
    const toB = offers.offer('b', 0, all);
    expect(toB).toHaveLength(OFFERS_PER_PEER);
    for (const i of toB) expect(i).toBeGreaterThanOrEqual(4);
    // Not its own range, not what it holds (3).
    expect(offers.signals('fed', 0).sort()).toEqual([2, ...toB].sort());
    expect(offers.signals('fed', 10)).toEqual([]);
    expect(offers.signals('b', 10)).toEqual([]);
    // other-fed's range arrived; the seed's next offer to b is announced to both fed peers.
    offers.gained('other-fed', 2, 20);
    offers.gained('b', toB[0], 20);
    const next = offers.offer('b', 20, all);
    expect(next).toHaveLength(1);
    expect(offers.signals('fed', 20)).toEqual(next);
    expect(offers.signals('other-fed', 20)).toEqual(expect.arrayContaining(next));
  });

  it("does not hold back the pieces of a fed peer's last range: it leaves once done, before passing them on", () => {
    const offers = new PieceOffers<string>(4);
    offers.join('fed', 0);
    offers.join('b', 0);
    offers.holds('fed', (i) => i < 2, 0);
    offers.holds('b', (i) => i < 2, 0);
    // Pieces 2 and 3 are all the fed peer lacks: b is offered them at once.
    offers.fetching('fed', 2, 3, 0);
    expect(offers.offer('b', 0, all).sort()).toEqual([2, 3]);
  });

  it('offers at once, not when they starve, the pieces only a peer that just completed had', () => {
    const swarm = () => {
      const offers = new PieceOffers<string>(2);
      offers.join('done', 0);
      offers.join('b', 0);
      offers.holds('done', (i) => i === 0, 0);
      offers.gained('done', 1, 10);
      return offers;
    };
    expect(swarm().offer('b', 10, all).sort()).toEqual([0, 1]);
    // Still there FINISHED_MS after it completed: it stays, and counts as holding its pieces.
    expect(swarm().offer('b', 10 + FINISHED_MS, all)).toEqual([]);
    // A seed that joined complete counts from the start.
    const withSeed = swarm();
    withSeed.join('seed', 0);
    withSeed.holds('seed', all, 0);
    expect(withSeed.offer('b', 10, all)).toEqual([]);
  });
});
