import { loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies the documented local defaults', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/keyseed');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.PUBLIC_URL).toBe('http://127.0.0.1:3000');
    expect(c.DATA_DIR).toBe('./data');
  });

  it('names the variable an operator must fix', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must be a postgresql:\/\/ URL/);
  });

  it('requires a KEK in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'w' })).toThrow(
      /KEYSEED_KEK is required/,
    );
  });

  it('validates the mail settings and wants SMTP in production', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(
      /SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/,
    );
    expect(() => loadConfig({ MAIL_FROM: 'Keyseed' })).toThrow(/MAIL_FROM must be an e-mail address/);
    expect(
      loadConfig({ SMTP_URL: 'smtps://u:p@mail.example:465', MAIL_FROM: 'Films <films@example.com>' }),
    ).toMatchObject({
      SMTP_URL: 'smtps://u:p@mail.example:465',
      MAIL_FROM: 'Films <films@example.com>',
    });
    expect(() =>
      loadConfig({ NODE_ENV: 'production', KEYSEED_KEK: 'k', STRIPE_SECRET_KEY: 's', STRIPE_WEBHOOK_SECRET: 'w' }),
    ).toThrow(/SMTP_URL is required when NODE_ENV=production/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });

  it('takes external trackers as a validated list', () => {
    expect(loadConfig({}).TRACKER_URLS).toEqual([]);
    expect(
      loadConfig({ TRACKER_URLS: ' udp://tracker.example:6969/announce, https://t.example/announce ,' }).TRACKER_URLS,
    ).toEqual(['udp://tracker.example:6969/announce', 'https://t.example/announce']);
    expect(() => loadConfig({ TRACKER_URLS: 'ftp://x/announce' })).toThrow(/TRACKER_URLS: "ftp:\/\/x\/announce"/);
    expect(() => loadConfig({ TRACKER_URLS: 'not a url' })).toThrow(/TRACKER_URLS/);
  });

  it('needs a way to reload opentracker with its whitelist file, and the file with either', () => {
    expect(() => loadConfig({ OPENTRACKER_WHITELIST_FILE: '/etc/opentracker/whitelist.txt' })).toThrow(
      /OPENTRACKER_PID_FILE or OPENTRACKER_RELOAD_COMMAND/,
    );
    expect(() => loadConfig({ OPENTRACKER_PID_FILE: '/run/opentracker.pid' })).toThrow(
      /need OPENTRACKER_WHITELIST_FILE/,
    );
    expect(() =>
      loadConfig({ OPENTRACKER_WHITELIST_FILE: 'whitelist.txt', OPENTRACKER_PID_FILE: '/run/ot.pid' }),
    ).toThrow(/OPENTRACKER_WHITELIST_FILE must be an absolute path/);
    const c = loadConfig({
      OPENTRACKER_WHITELIST_FILE: '/etc/opentracker/whitelist.txt',
      OPENTRACKER_RELOAD_COMMAND: 'systemctl kill -s HUP opentracker',
    });
    expect(c.OPENTRACKER_RELOAD_COMMAND).toBe('systemctl kill -s HUP opentracker');
  });
});
