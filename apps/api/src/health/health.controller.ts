import { Controller, Get, Inject, Res } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { ApiExtraModels, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import type { Response } from 'express';
import Redis from 'ioredis';
import { PrismaService } from '@keyseed/database';
import { QueueName } from '@keyseed/queues';
import { Public } from '../auth/auth.decorators';
import { HEALTH_REDIS } from './health.tokens';

class DependencyStatus {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiProperty({ required: false }) error?: string;
}

class QueueStatus extends DependencyStatus {
  @ApiProperty({ description: 'Jobs waiting for a worker' }) waiting?: number;
  @ApiProperty({ description: 'Jobs being processed' }) active?: number;
  @ApiProperty({ description: 'Jobs that failed for good (kept for inspection)' }) failed?: number;
  @ApiProperty({ description: 'Worker connections consuming this queue' }) workers?: number;
  @ApiProperty({ nullable: true, description: 'Age of the oldest waiting job in seconds; null when none waits' })
  oldestWaitingSeconds?: number | null;
}

class HealthResponse {
  @ApiProperty({
    enum: ['ok', 'degraded', 'down'],
    description:
      'down (503): PostgreSQL, Redis or a queue cannot be reached. degraded (200): the API serves, but no worker consumes a queue, so uploads are not ingested, bundles not published or e-mail not sent.',
  })
  status: 'ok' | 'degraded' | 'down';
  @ApiProperty() postgres: DependencyStatus;
  @ApiProperty() redis: DependencyStatus;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/QueueStatus' } })
  queues: Record<string, QueueStatus>;
}

const TIMEOUT_MS = 2000;

async function probe<T extends object>(check: () => Promise<T>): Promise<T & DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const details = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', ...details };
  } catch (err) {
    return { status: 'down', error: (err as Error).message || 'unreachable' } as T & DependencyStatus;
  } finally {
    clearTimeout(timer);
  }
}

/** Counts, connected workers and the oldest waiting job of one queue. */
async function queueState(queue: Queue): Promise<Omit<QueueStatus, 'status'>> {
  const [counts, workers, oldest] = await Promise.all([
    queue.getJobCounts('wait', 'active', 'failed'),
    queue.getWorkersCount(),
    queue.getJobs(['wait'], 0, 0, true),
  ]);
  const since = oldest[0]?.timestamp;
  return {
    waiting: counts.wait ?? 0,
    active: counts.active ?? 0,
    failed: counts.failed ?? 0,
    workers,
    oldestWaitingSeconds: since === undefined ? null : Math.max(0, Math.round((Date.now() - since) / 1000)),
  };
}

@ApiTags('health')
@ApiExtraModels(QueueStatus)
@Controller('health')
export class HealthController {
  private readonly queues: Queue[];

  constructor(
    private readonly prisma: PrismaService,
    @Inject(HEALTH_REDIS) private readonly redis: Redis,
    @InjectQueue(QueueName.Ingest) ingest: Queue,
    @InjectQueue(QueueName.Publish) publish: Queue,
    @InjectQueue(QueueName.Housekeeping) housekeeping: Queue,
    @InjectQueue(QueueName.Mail) mail: Queue,
  ) {
    this.queues = [ingest, publish, housekeeping, mail];
  }

  @Public()
  @Get()
  @ApiOperation({
    summary:
      'PostgreSQL, Redis, and each job queue with its workers and oldest waiting job; 503 when something is down',
  })
  @ApiResponse({ status: 200, type: HealthResponse })
  @ApiResponse({ status: 503, type: HealthResponse })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthResponse> {
    const [postgres, redis, ...queueStates] = await Promise.all([
      probe(async () => {
        await this.prisma.$queryRaw`SELECT 1`;
        return {};
      }),
      probe(async () => {
        await this.redis.ping();
        return {};
      }),
      ...this.queues.map((q) => probe(() => queueState(q))),
    ]);
    const queues = Object.fromEntries(this.queues.map((q, i) => [q.name, queueStates[i]]));
    const reachable = [postgres, redis, ...queueStates].every((s) => s.status === 'up');
    const served = queueStates.every((s) => s.workers !== 0);
    const status = !reachable ? 'down' : served ? 'ok' : 'degraded';
    res.status(status === 'down' ? 503 : 200);
    return { status, postgres, redis, queues };
  }
}
