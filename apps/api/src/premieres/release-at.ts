import { BadRequestException } from '@nestjs/common';

/** Premieres are announced at most this far ahead. */
const MAX_AHEAD_MS = 5 * 366 * 24 * 3600_000;

/** A validated `releaseAt` body field as a Date (null stays null: no premiere). */
export function releaseAtOf(value: string | null | undefined, now = Date.now()): Date | null {
  if (value === null || value === undefined) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new BadRequestException(`releaseAt ${JSON.stringify(value)} is not a date`);
  if (at.getTime() - now > MAX_AHEAD_MS)
    throw new BadRequestException(`releaseAt ${at.toISOString()} is more than 5 years ahead`);
  return at;
}
