/**
 * tus `Upload-Metadata`: comma-separated `key base64(value)` pairs (value optional).
 * Returns null when the header is malformed.
 */
export function parseUploadMetadata(header: string | undefined): Record<string, string> | null {
  const out: Record<string, string> = {};
  if (!header?.trim()) return out;
  for (const pair of header.split(',')) {
    const [key, value, ...rest] = pair.trim().split(' ');
    if (!key || rest.length || key in out || (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)))
      return null;
    out[key] = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}
