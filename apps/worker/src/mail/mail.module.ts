import { Module } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { MailService } from './mail.service';
import { MAIL_TRANSPORT, mailTransportFromConfig } from './mail-transport';

/** The worker's e-mail sending: the `mail` queue's processor and its transport (SMTP or dev mailbox). */
@Module({
  providers: [
    {
      provide: MAIL_TRANSPORT,
      inject: [KEYSEED_CONFIG],
      useFactory: (config: KeyseedConfig) => mailTransportFromConfig(config),
    },
    MailService,
  ],
  exports: [MailService],
})
export class MailSendingModule {}
