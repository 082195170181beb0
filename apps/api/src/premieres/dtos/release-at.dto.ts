import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsISO8601, Matches, ValidateIf } from 'class-validator';
import { IsOmittable } from '../../common/validation';

/** An instant with its UTC offset: a release time must not depend on the server's time zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const INSTANT_MESSAGE = 'releaseAt must be an ISO 8601 date-time with Z or an offset, e.g. 2027-03-01T18:00:00Z';

export class SetReleaseDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2027-03-01T18:00:00Z',
    description:
      'When license keys start to flow (ISO 8601 with Z or an offset, at most 5 years ahead); a past time or null releases now (a pending premiere released with null records the moment, and its pre-order buyers are e-mailed)',
  })
  @IsDefined({ message: 'releaseAt is required (null to release now)' })
  @ValidateIf((_o, value) => value !== null)
  @IsISO8601({ strict: true }, { message: INSTANT_MESSAGE })
  @Matches(INSTANT, { message: INSTANT_MESSAGE })
  releaseAt: string | null;
}

export class PublishBundleDto {
  @ApiProperty({
    required: false,
    type: String,
    example: '2027-03-01T18:00:00Z',
    description:
      'Premiere: publish (torrent, catalog, pre-orders) now, deliver license keys from this time on (ISO 8601 with Z or an offset)',
  })
  @IsOmittable()
  @IsISO8601({ strict: true }, { message: INSTANT_MESSAGE })
  @Matches(INSTANT, { message: INSTANT_MESSAGE })
  releaseAt?: string;
}
