import { Module } from '@nestjs/common';
import { EgressRecorder } from '@keyseed/egress/egress-recorder';
import { EgressController } from './egress.controller';
import { EgressService } from './egress.service';
import { MetricsController } from './metrics.controller';
import { OriginMetrics } from './origin-metrics';
import { SwarmSampler } from './swarm-sampler';

/** Origin accounting: egress counters (PostgreSQL), swarm samples, Prometheus metrics. */
@Module({
  controllers: [EgressController, MetricsController],
  providers: [EgressRecorder, EgressService, OriginMetrics, SwarmSampler],
  exports: [EgressRecorder, OriginMetrics],
})
export class EgressModule {}
