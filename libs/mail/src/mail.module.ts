import { Global, Module } from '@nestjs/common';
import { MailOutbox } from './mail-outbox';

/**
 * E-mail for api and worker alike: `MailOutbox` records messages and queues them on the `mail`
 * queue (the worker sends them). Global; needs DatabaseModule and QueuesModule (both global).
 */
@Global()
@Module({ providers: [MailOutbox], exports: [MailOutbox] })
export class MailModule {}
