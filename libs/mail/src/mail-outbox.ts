import { Injectable, Logger } from '@nestjs/common';
import { MailMessage as MailRow, Prisma, PrismaService } from '@keyseed/database';
import { JobQueues, MailJob, MailMessage, QueueName } from '@keyseed/queues';

/** A Prisma client or the transaction client of `$transaction`. */
type Db = Prisma.TransactionClient;

/**
 * The one way to send e-mail (docs/architecture.md, e-mail). A message is first recorded in the
 * `MailMessage` outbox under a key naming the fact it reports (`purchase-receipt:<orderId>`); the
 * same key recorded again changes nothing, so a duplicated webhook or a double click sends one
 * e-mail. Then it is queued on the `mail` queue for the worker, which sends it and marks the row
 * SENT. Queueing never fails the caller: if Redis is unreachable the row stays PENDING and the
 * worker's sweeper queues it later.
 *
 * Outside a transaction: `send(message, key)`. Inside one (the e-mail must exist if and only if the
 * transaction commits): `record(tx, message, key)`, then `dispatch([key])` after the commit.
 */
@Injectable()
export class MailOutbox {
  private readonly logger = new Logger('mail');

  constructor(
    private readonly prisma: PrismaService,
    private readonly jobs: JobQueues,
  ) {}

  /** Records and queues `message`; resolves once it is recorded (queueing problems are logged, not thrown). */
  async send(message: MailMessage, key: string): Promise<void> {
    await this.record(this.prisma, message, key);
    await this.dispatch([key]);
  }

  /** Records `message` under `key` in the caller's transaction; nothing if that key is recorded already. */
  async record(db: Db, message: MailMessage, key: string): Promise<void> {
    await this.recordMany(db, [{ key, message }]);
  }

  /** `record` for many messages in one statement (a premiere's notices); keys recorded already are skipped. Returns how many were new. */
  async recordMany(db: Db, rows: { key: string; message: MailMessage }[]): Promise<number> {
    const { count } = await db.mailMessage.createMany({
      data: rows.map(({ key, message }) => ({ key, kind: message.kind, to: message.to, data: message.data })),
      skipDuplicates: true,
    });
    return count;
  }

  /** Queues the PENDING messages recorded under `keys` (after the recording transaction committed). Never throws. */
  async dispatch(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      const rows = await this.prisma.mailMessage.findMany({ where: { key: { in: keys }, status: 'PENDING' } });
      for (const row of rows) await this.jobs.enqueue(QueueName.Mail, mailJobOf(row));
    } catch (err) {
      // The rows are safe in PostgreSQL; the worker's sweeper queues PENDING mail it finds without a job.
      this.logger.warn({ event: 'mail.enqueue_failed', keys, message: (err as Error).message });
    }
  }
}

/** The `mail` job of an outbox row (also used by the worker's sweeper to re-create lost jobs). */
export function mailJobOf(row: Pick<MailRow, 'id' | 'kind' | 'to' | 'data'>): MailJob {
  return { messageId: row.id, kind: row.kind, to: row.to, data: row.data } as MailJob;
}
