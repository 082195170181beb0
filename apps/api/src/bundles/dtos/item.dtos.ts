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
}

export class ReorderItemsDto {
  @ApiProperty({ type: [String], description: 'Every item id of the bundle, in the new order' })
  @IsArray()
  @ArrayUnique()
  @IsUUID('all', { each: true })
  itemIds: string[];
}
