export { MailModule } from './mail.module';
export { MailOutbox, mailJobOf } from './mail-outbox';
export { renderMail } from './templates';
export type { MailContext, RenderedMail } from './templates';
