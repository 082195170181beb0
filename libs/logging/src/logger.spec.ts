import pino from 'pino';
import { Writable } from 'node:stream';
import { PinoNestLogger } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { lines, logger: new PinoNestLogger(pino({ level: 'info' }, sink)) };
}

describe('PinoNestLogger', () => {
  it('turns events given as objects or JSON strings into fields', () => {
    const { lines, logger } = capture();
    logger.log({ event: 'ingest.done', itemId: 'i1', mbps: 512 }, 'ingest');
    logger.warn('{"event":"keyring.dev_kek","created":true}', 'keyring');
    expect(lines[0]).toMatchObject({ level: 30, context: 'ingest', event: 'ingest.done', itemId: 'i1', mbps: 512 });
    expect(lines[1]).toMatchObject({ level: 40, context: 'keyring', event: 'keyring.dev_kek', created: true });
    expect(lines[1].msg).toBeUndefined();
  });

  it('keeps prose as the message and demotes Nest start-up chatter to debug', () => {
    const { lines, logger } = capture();
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.error('{not json', 'trace here', 'http');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: '{not json', trace: 'trace here', context: 'http' });
  });
});
