/**
 * The 20-byte info-hashes (hex) clients announce a published bundle under: its hybrid torrent's v1
 * hash, its v2 hash truncated to 20 bytes (BEP 52: what v2 clients send to trackers), and its
 * v1-only twin's hash. The built-in tracker and an external tracker's whitelist accept these.
 */
export function announcedInfoHashes(bundle: {
  infoHashV1: string | null;
  infoHashV2: string | null;
  infoHashV1Legacy: string | null;
}): string[] {
  return [bundle.infoHashV1, bundle.infoHashV2?.slice(0, 40), bundle.infoHashV1Legacy]
    .filter((h): h is string => typeof h === 'string' && /^[0-9a-f]{40}$/i.test(h))
    .map((h) => h.toLowerCase());
}
