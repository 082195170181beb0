import { csvLine, FANS_CSV_HEADER } from './fans-csv';

describe('fans CSV', () => {
  it('writes plain fields as they are, with CRLF line ends', () => {
    expect(csvLine(FANS_CSV_HEADER)).toBe('email,confirmed_at,signed_up_at,claimed_into_account\r\n');
    expect(csvLine(['fan@example.com', '2026-12-02T09:00:00.000Z', '2026-12-02T08:59:00.000Z', 'yes'])).toBe(
      'fan@example.com,2026-12-02T09:00:00.000Z,2026-12-02T08:59:00.000Z,yes\r\n',
    );
  });

  it('quotes commas, quotes and line breaks', () => {
    expect(csvLine(['"odd, but valid"@example.com', 'a\nb'])).toBe('"""odd, but valid""@example.com","a\nb"\r\n');
  });

  it('defuses spreadsheet formulas', () => {
    expect(csvLine(['=HYPERLINK("x")@example.com', '+1@example.com', '-x', '@x'])).toBe(
      `"'=HYPERLINK(""x"")@example.com",'+1@example.com,'-x,'@x\r\n`,
    );
  });
});
