export interface MagnetInput {
  infoHashV1: string | null;
  infoHashV2: string | null;
  name?: string;
  announce?: readonly string[];
  webseeds?: readonly string[];
}

/**
 * BEP 9 magnet link (BEP 52 `urn:btmh:1220<sha256>` for v2):
 * `magnet:?xt=urn:btih:<v1>&xt=urn:btmh:1220<v2>&dn=<name>&tr=<announce>&ws=<webseed>`.
 */
export function magnetLink(m: MagnetInput): string {
  const parts: string[] = [];
  if (m.infoHashV1) parts.push(`xt=urn:btih:${m.infoHashV1}`);
  if (m.infoHashV2) parts.push(`xt=urn:btmh:1220${m.infoHashV2}`);
  if (m.name) parts.push(`dn=${encodeURIComponent(m.name)}`);
  for (const t of m.announce ?? []) parts.push(`tr=${encodeURIComponent(t)}`);
  for (const w of m.webseeds ?? []) parts.push(`ws=${encodeURIComponent(w)}`);
  return `magnet:?${parts.join('&')}`;
}
