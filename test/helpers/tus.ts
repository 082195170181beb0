/** A tus `Upload-Metadata` header: comma-separated `key base64(value)` pairs. */
export function tusMetadata(m: Record<string, string>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}
