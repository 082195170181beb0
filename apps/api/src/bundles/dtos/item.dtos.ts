import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsUUID,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsSafeItemPath } from './item-path.validator';
import { IsOmittable } from '../../common/validation';

const SIZE_DOC =
  "Size of the file in bytes, as it will be uploaded. The bundle's piece length is chosen from the declared sizes " +
  'when its first item starts ingesting (docs/torrent-format.md, piece length), and an upload of another length is ' +
  'refused. Optional: an undeclared item counts with the length of its upload.';

const PATH_DOC =
  'Path inside the torrent below the bundle folder, "/"-separated, e.g. "extras/trailer.mp4". ' +
  'No "..", absolute paths, empty segments, control characters or backslashes; "keyseed.json" and ".pad" are reserved.';

export class AddItemDto {
  @ApiProperty({ example: 'film.mkv', description: PATH_DOC })
  @IsSafeItemPath()
  path: string;

  @ApiProperty({
    required: false,
    default: true,
    description: 'Locked items are encrypted and sold; free ones (trailer, poster) are stored plain',
  })
  @IsOmittable()
  @IsBoolean()
  locked?: boolean;

  @ApiProperty({
    required: false,
    default: 0,
    minimum: 0,
    description: 'First N pieces of a locked item anyone may unlock (free preview)',
  })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  previewPieces?: number;

  @ApiProperty({ required: false, minimum: 0, example: 1_500_000_000, description: SIZE_DOC })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  size?: number;
}

export class AddItemsDto {
  @ApiProperty({ type: [AddItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => AddItemDto)
  items: AddItemDto[];
}

export class UpdateItemDto {
  @ApiProperty({ required: false, description: `New path (rename). ${PATH_DOC}` })
  @IsOmittable()
  @IsSafeItemPath()
  path?: string;

  @ApiProperty({ required: false })
  @IsOmittable()
  @IsBoolean()
  locked?: boolean;

  @ApiProperty({ required: false, minimum: 0 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  previewPieces?: number;

  @ApiProperty({ required: false, minimum: 0, description: `New declared size. ${SIZE_DOC}` })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  size?: number;
}

export class ReorderItemsDto {
  @ApiProperty({ type: [String], description: 'Every item id of the bundle, in the new order' })
  @IsArray()
  @ArrayUnique()
  @IsUUID('all', { each: true })
  itemIds: string[];
}
