import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { QueueName } from './queues';

/**
 * BullMQ queues emit 'error' while Redis is unreachable; unhandled, that would print stack
 * traces on every reconnect attempt. Log each outage once per queue instead (health reports it).
 */
@Injectable()
export class QueueErrorLogger implements OnModuleInit {
  private readonly logger = new Logger('queues');
  private readonly failing = new Set<string>();

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of Object.values(QueueName)) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (err: Error) => {
        if (this.failing.has(name)) return;
        this.failing.add(name);
        this.logger.warn(`queue ${name}: ${err.message}`);
      });
    }
  }
}
