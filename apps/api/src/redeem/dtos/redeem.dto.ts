import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsOmittable } from '../../common/validation';

export const MAX_BATCH_SIZE = 5000;

export class CreateRedeemBatchDto {
  @ApiProperty({ example: 500, description: `How many single-use codes to make, 1–${MAX_BATCH_SIZE}` })
  @IsInt({ message: 'count must be an integer' })
  @Min(1)
  @Max(MAX_BATCH_SIZE, { message: `count must not be greater than ${MAX_BATCH_SIZE} (make several batches)` })
  count: number;

  @ApiProperty({
    required: false,
    example: 'Festival press',
    description: 'Your note on what the batch is for (≤ 200 characters)',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  label?: string;
}

export class RedeemDto {
  @ApiProperty({
    example: 'ABCD-EFGH-JKMN-PQRS',
    description: 'A redeem code, or the claim code of a gift (dashes, spaces and case do not matter)',
  })
  @IsString()
  @MaxLength(100)
  @Matches(/\S/, { message: 'code must not be empty' })
  code: string;
}
