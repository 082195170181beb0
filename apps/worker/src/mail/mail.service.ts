import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { renderMail } from '@keyseed/mail';
import { MailJob, QueueName } from '@keyseed/queues';
import type { JobProcessor } from '../queue-worker-host';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';

/**
 * The `mail` queue's processor (docs/architecture.md, e-mail): renders the message, hands it to the
 * transport and marks its outbox row SENT. A failed attempt is retried with backoff (mailJobOptions);
 * an SMTP server's permanent refusal (5xx: no such mailbox…) is final at once. A row already SENT
 * is not sent again, whoever queued it.
 */
@Injectable()
export class MailService implements JobProcessor<QueueName.Mail>, OnModuleInit, OnApplicationShutdown {
  readonly queue = QueueName.Mail;
  readonly concurrency = 4;
  private readonly logger = new Logger('mail');
  private readonly domain: string;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {
    this.domain = new URL(config.PUBLIC_URL).hostname || 'keyseed.localhost';
  }

  onModuleInit(): void {
    this.logger.log({ event: 'mail.transport', mode: this.transport.mode, from: this.config.MAIL_FROM });
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }

  async process(job: Job<MailJob>): Promise<string> {
    const { messageId, kind, to } = job.data;
    const row = await this.prisma.mailMessage.findUnique({ where: { id: messageId }, select: { status: true } });
    if (!row) return 'no such message';
    if (row.status === 'SENT') return 'already sent';
    const mail = renderMail(job.data, { publicUrl: this.config.PUBLIC_URL });
    let where: string;
    try {
      where = await this.transport.send({
        from: this.config.MAIL_FROM,
        to,
        ...mail,
        messageId: `<${messageId}@${this.domain}>`,
      });
    } catch (err) {
      const message = (err as Error).message;
      await this.prisma.mailMessage.update({
        where: { id: messageId },
        data: { attempts: { increment: 1 }, lastError: message.slice(0, 1000) },
      });
      if (isPermanent(err)) throw new UnrecoverableError(`the mail server refused the message for good: ${message}`);
      throw err;
    }
    await this.prisma.mailMessage.update({
      where: { id: messageId },
      data: { status: 'SENT', sentAt: new Date(), attempts: { increment: 1 }, lastError: null },
    });
    if (this.transport.mode === 'dev-mailbox')
      this.logger.log({ event: 'mail.dev', messageId, kind, to, subject: mail.subject, file: where, text: mail.text });
    else this.logger.log({ event: 'mail.sent', messageId, kind, response: where });
    return where;
  }

  async markFailed(job: Job<MailJob>, err: Error): Promise<void> {
    const { count } = await this.prisma.mailMessage.updateMany({
      where: { id: job.data.messageId, status: 'PENDING' },
      data: { status: 'FAILED', lastError: err.message.slice(0, 1000) },
    });
    if (count)
      this.logger.error({
        event: 'mail.failed',
        messageId: job.data.messageId,
        kind: job.data.kind,
        message: err.message,
      });
  }
}

/** SMTP 5xx replies and messages without a valid recipient will not succeed by retrying. */
function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  return (typeof e.responseCode === 'number' && e.responseCode >= 500) || e.code === 'EENVELOPE';
}
