import { formatCountdown, fromDateTimeLocal, toDateTimeLocal, untilRelease } from './release-time';

describe('release time (web)', () => {
  it('counts down in the two largest units, rounding up to the second, and never below 0 s', () => {
    expect(formatCountdown(2 * 86_400_000 + 3 * 3_600_000 + 59_000)).toBe('2 d 3 h');
    expect(formatCountdown(3 * 3_600_000 + 4 * 60_000 + 5_000)).toBe('3 h 4 min');
    expect(formatCountdown(4 * 60_000 + 5_000)).toBe('4 min 5 s');
    expect(formatCountdown(11_200)).toBe('12 s');
    expect(formatCountdown(1)).toBe('1 s');
    expect(formatCountdown(0)).toBe('0 s');
    expect(formatCountdown(-5_000)).toBe('0 s');
  });

  it('is released with no releaseAt, or once releaseAt has passed', () => {
    const now = Date.parse('2027-03-01T17:59:00Z');
    expect(untilRelease(null, now)).toBe(0);
    expect(untilRelease('2027-03-01T18:00:00Z', now)).toBe(60_000);
    expect(untilRelease('2027-03-01T17:00:00Z', now)).toBeLessThan(0);
  });

  it("round-trips an instant through a datetime-local value in this runtime's time zone, to the second", () => {
    const instant = Date.parse('2027-03-01T18:00:07.450Z');
    const local = toDateTimeLocal(instant);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(fromDateTimeLocal(local)).toBe('2027-03-01T18:00:07.000Z');
    // What a browser's picker gives without seconds.
    expect(fromDateTimeLocal(local.slice(0, 16))).toBe('2027-03-01T18:00:00.000Z');
  });

  it('refuses what is not a datetime-local value', () => {
    for (const bad of ['', 'tomorrow', '2027-03-01', '2027-03-01 18:00', '2027-02-30T25:00', '2027-03-01T18:00Z'])
      expect(fromDateTimeLocal(bad)).toBeNull();
  });
});
