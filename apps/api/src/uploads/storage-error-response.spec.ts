import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageErrorResponse } from './storage-error-response';

describe('storageErrorResponse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-tus-err-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a full disk with 507 and a plain reason, never the internal message', async () => {
    const reported: string[] = [];
    const err = Object.assign(new Error(`ENOSPC: no space left on device, write '${dir}/abc'`), { code: 'ENOSPC' });
    const res = await storageErrorResponse(err, dir, (m) => reported.push(m));
    expect(res?.status_code).toBe(507);
    expect(res?.body).not.toMatch(/ENOSPC|no space left|\//);
    expect(res?.body).toMatch(/resume it later/);
    expect(reported).toEqual([err.message]);
  });

  it('answers other server-side failures with 503 and passes client errors through', async () => {
    const res = await storageErrorResponse(new Error('EIO: i/o error, read'), dir, () => undefined);
    expect(res).toEqual({ status_code: 503, body: expect.not.stringMatching(/EIO/) });
    expect(
      await storageErrorResponse({ status_code: 409, body: 'offset mismatch' }, dir, () => undefined),
    ).toBeUndefined();
  });
});
