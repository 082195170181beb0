import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/auth.decorators';
import { OriginMetrics } from './origin-metrics';

/** Prometheus scrape endpoint; operators scrape it with an admin's personal token (bearer). */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: OriginMetrics) {}

  @Get()
  @ApiProduces('text/plain')
  @ApiOperation({ summary: "Prometheus metrics of this API process: webseed bytes and answers, swarm sizes, Node's" })
  @ApiResponse({ status: 200, description: 'Prometheus text exposition format', type: String })
  async scrape(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.end(await this.metrics.registry.metrics());
  }
}
