import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, MaxLength, MinLength } from 'class-validator';
import { IsOmittable } from '../../common/validation';

/** 16 KiB, 32 KiB, … 16 MiB. */
export const PIECE_LENGTHS = Array.from({ length: 11 }, (_, i) => 16384 * 2 ** i);

export class CreateBundleDto {
  @ApiProperty({ example: 'The Long Take', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  @ApiProperty({ required: false, default: '', maxLength: 20000 })
  @IsOmittable()
  @IsString()
  @MaxLength(20000)
  description?: string;

  @ApiProperty({
    required: false,
    enum: PIECE_LENGTHS,
    description:
      'Bytes per piece: a power of two from 16 KiB to 16 MiB. Omit to have it chosen from the uploaded sizes (~1500 pieces).',
  })
  @IsOmittable()
  @IsInt({ message: 'pieceLength must be an integer number of bytes' })
  @IsIn(PIECE_LENGTHS, {
    message: 'pieceLength must be a power of two between 16 KiB (16384) and 16 MiB (16777216), got $value',
  })
  pieceLength?: number;
}
