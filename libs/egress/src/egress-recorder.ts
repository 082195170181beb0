import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import type { EgressSource } from '@keyseed/database';

/** `YYYY-MM-DD` (UTC) of a timestamp: the day bytes are counted under. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Origin bytes per bundle, UTC day and source, added up in memory on the hot path and written to
 * PostgreSQL every EGRESS_FLUSH_MS in one statement (increments, so any number of API and seeder
 * processes add to the same rows). A failed write keeps the counts for the next attempt.
 */
@Injectable()
export class EgressRecorder implements OnModuleDestroy {
  private readonly logger = new Logger('egress');
  private pending = new Map<string, bigint>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) config: KeyseedConfig,
  ) {
    this.timer = setInterval(() => void this.flush(), config.EGRESS_FLUSH_MS);
    this.timer.unref();
  }

  add(bundleId: string, source: EgressSource, bytes: number, at = new Date()): void {
    if (bytes <= 0) return;
    const key = `${bundleId}|${utcDay(at)}|${source}`;
    this.pending.set(key, (this.pending.get(key) ?? 0n) + BigInt(bytes));
  }

  /** Writes what was counted so far; resolves once it is in PostgreSQL (or kept for the next try). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const ids: string[] = [];
    const days: string[] = [];
    const sources: string[] = [];
    const bytes: string[] = [];
    for (const [key, n] of batch) {
      const [id, day, source] = key.split('|');
      ids.push(id);
      days.push(day);
      sources.push(source);
      bytes.push(n.toString());
    }
    try {
      await this.prisma.$executeRaw`
        INSERT INTO "BundleEgress" ("bundleId", "day", "source", "bytes")
        SELECT * FROM unnest(${ids}::uuid[], ${days}::date[], ${sources}::"EgressSource"[], ${bytes}::bigint[])
        ON CONFLICT ("bundleId", "day", "source") DO UPDATE SET "bytes" = "BundleEgress"."bytes" + EXCLUDED."bytes"`;
    } catch (err) {
      for (const [key, n] of batch) this.pending.set(key, (this.pending.get(key) ?? 0n) + n);
      this.logger.warn({ event: 'egress.flush_failed', reason: (err as Error).message });
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
