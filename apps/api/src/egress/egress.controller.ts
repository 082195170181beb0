import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Owns, Roles } from '../auth/auth.decorators';
import { EgressQueryDto, EgressView } from './dtos/egress.dtos';
import { EgressService } from './egress.service';

@ApiTags('bundles')
@ApiBearerAuth()
@Roles('CREATOR')
@Controller('bundles')
export class EgressController {
  constructor(private readonly egress: EgressService) {}

  @Get(':id/egress')
  @Owns('bundle', 'id')
  @ApiOperation({
    summary:
      'What the origin sent for your bundle (webseed and platform seed bytes per UTC day) and its swarm size over time',
  })
  @ApiResponse({ status: 200, type: EgressView })
  @ApiResponse({ status: 400, description: 'A date that is not YYYY-MM-DD, from after to, or more than 366 days' })
  @ApiResponse({ status: 403, description: "Another creator's bundle" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  get(@Param('id', new ParseUUIDPipe()) id: string, @Query() q: EgressQueryDto): Promise<EgressView> {
    return this.egress.ofBundle(id, q.from, q.to);
  }
}
