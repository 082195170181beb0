/**
 * The webseed's swarm-aware policy (BEP 19 "seed of last resort"), as pure rules; the I/O lives in
 * SwarmAwareWebseed. The origin is the webseed plus the platform seed; the aim is that it sends each
 * piece about once per swarm, while a download never stalls.
 */
export interface SwarmView {
  /** Complete peers of the bundle's swarm (hybrid, v2 and v1-twin hashes merged), platform seeds included. */
  seeders: number;
  leechers: number;
  /** Platform seeds currently up (each seeds every served bundle and counts as one seeder). */
  platformSeeds: number;
}

/**
 * Whether the swarm, without the origin, can serve a range: some seed that is not the platform's
 * exists, or the requester has other leechers to trade with and every piece of the range has
 * already gone out from the webseed (so some peer holds it). A lone buyer, or pieces no peer can
 * have yet, are served by the webseed at full speed.
 */
export function swarmCanServe(view: SwarmView, rangeAlreadySent: boolean): boolean {
  const externalSeeders = view.seeders - Math.min(view.seeders, view.platformSeeds);
  return externalSeeders >= 1 || (view.leechers >= 2 && rangeAlreadySent);
}

/**
 * "A client that keeps asking gets served": a client that asks again for a range it was refused,
 * once the Retry-After it was given has passed, is served (its peers did not have that piece).
 */
export function servedAfterRefusal(refusedAtMs: number | null, nowMs: number, retryAfterSeconds: number): boolean {
  return refusedAtMs !== null && nowMs - refusedAtMs >= retryAfterSeconds * 1000 - 500;
}

/** Piece-sized blocks of a file that a byte range touches (inclusive). */
export function blocksOf(start: number, end: number, pieceLength: number): { first: number; last: number } {
  return { first: Math.floor(start / pieceLength), last: Math.floor(end / pieceLength) };
}
