/** Columns of the fans export (docs/architecture.md, email gate). */
export const FANS_CSV_HEADER = ['email', 'confirmed_at', 'signed_up_at', 'claimed_into_account'];

/**
 * One CSV line (RFC 4180, CRLF): fields with a comma, quote or line break are quoted, quotes doubled.
 * A field a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading apostrophe:
 * addresses are typed by strangers and the file is opened by the creator.
 */
export function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
