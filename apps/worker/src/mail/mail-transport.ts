import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTransport, Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { KeyseedConfig } from '@keyseed/config';
import { chmodPrivate, mkdirPrivate, PRIVATE_FILE_MODE } from '@keyseed/storage';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per outbox row, so a retried send that did arrive is recognisable as the same message. */
  messageId: string;
}

/** Where e-mail goes: an SMTP server (SMTP_URL), or the development mailbox folder. */
export interface MailTransport {
  readonly mode: 'smtp' | 'dev-mailbox';
  /** Resolves with where the message went (for the log): the server's reply or the file written. */
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** SMTP_URL set: nodemailer's SMTP transport, with timeouts so a hung server fails the attempt (it is retried). */
export function smtpTransport(url: string): MailTransport {
  const options: SMTPTransport.Options = {
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
  const transporter: Transporter = createTransport(options);
  return {
    mode: 'smtp',
    async send(mail) {
      const info = (await transporter.sendMail(mail)) as { response?: string };
      return info.response ?? 'accepted';
    },
    close: () => transporter.close(),
  };
}

/**
 * No SMTP_URL (development): each message is written as an .eml file (0600, in a 0700 folder, like
 * everything private under DATA_DIR) that any mail client opens, named so `ls` lists them in order.
 */
export function devMailboxTransport(dir: string): MailTransport {
  const builder: Transporter = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    mode: 'dev-mailbox',
    async send(mail) {
      const info = (await builder.sendMail(mail)) as { message: Buffer };
      await mkdirPrivate(dir);
      const id = mail.messageId.replace(/[<>]/g, '').split('@')[0];
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}.eml`);
      await fs.writeFile(file, info.message, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      await chmodPrivate(file);
      return file;
    },
    close: () => builder.close(),
  };
}

/** The dev mailbox folder: MAIL_DEV_DIR, else DATA_DIR/mailbox. */
export function devMailboxDir(config: Pick<KeyseedConfig, 'MAIL_DEV_DIR' | 'DATA_DIR'>): string {
  return resolve(config.MAIL_DEV_DIR ?? join(config.DATA_DIR, 'mailbox'));
}

export function mailTransportFromConfig(config: KeyseedConfig): MailTransport {
  return config.SMTP_URL ? smtpTransport(config.SMTP_URL) : devMailboxTransport(devMailboxDir(config));
}
