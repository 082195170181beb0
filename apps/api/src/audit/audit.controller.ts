import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { AuditService } from './audit.service';
import { AuditEntryView } from './dtos/audit-entry.view';
import { AuditQueryDto } from './dtos/audit-query.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary:
      'The audit log (prices, refunds, takedowns, account changes…), newest first; filter by actor, action or target',
  })
  @ApiResponse({ status: 200, type: [AuditEntryView] })
  list(@Query() q: AuditQueryDto): Promise<AuditEntryView[]> {
    return this.audit.list(q);
  }
}
