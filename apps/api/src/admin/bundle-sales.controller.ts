import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Owns } from '../auth/auth.decorators';
import { SalesReportView } from './dtos/sales.responses';
import { SalesReportService } from './sales-report.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('bundles/:id/sales')
export class BundleSalesController {
  constructor(private readonly sales: SalesReportService) {}

  @Get()
  @Owns('bundle', 'id')
  @ApiOperation({ summary: 'Sales of a bundle (its creator or an admin): paid orders, gross and refunds per currency' })
  @ApiResponse({ status: 200, type: SalesReportView })
  @ApiResponse({ status: 403, description: "Not the bundle's creator nor an admin" })
  @ApiResponse({ status: 404, description: 'No such bundle' })
  report(@Param('id', new ParseUUIDPipe()) id: string): Promise<SalesReportView> {
    return this.sales.report(id);
  }
}
