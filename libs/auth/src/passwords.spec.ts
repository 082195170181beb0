import { hashPassword, verifyPassword } from './passwords';
import { hashTokenSecret, newTokenSecret } from './tokens';

describe('passwords', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifyPassword('wrong horse battery', stored)).resolves.toBe(false);
  });

  it('rejects stored values of an unknown scheme', async () => {
    await expect(verifyPassword('x', 'md5$abc')).resolves.toBe(false);
  });
});

describe('tokens', () => {
  it('makes distinct, prefixed secrets whose hash is stable', () => {
    const a = newTokenSecret('PERSONAL');
    expect(a).toMatch(/^ks_p_[A-Za-z0-9_-]{43}$/);
    expect(newTokenSecret('PERSONAL')).not.toBe(a);
    expect(hashTokenSecret(a)).toBe(hashTokenSecret(a));
  });
});
