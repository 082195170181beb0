import { creatorFacing } from './failure-reason';

describe('creatorFacing', () => {
  it('tells a full disk without the path, from the code or from a message that crossed a thread', () => {
    const own = Object.assign(new Error("ENOSPC: no space left on device, write '/srv/data/blobs/staging/x'"), {
      code: 'ENOSPC',
    });
    const relayed = new Error("ENOSPC: no space left on device, write '/srv/data/blobs/staging/x'");
    for (const err of [own, relayed]) {
      expect(creatorFacing(err)).toBe('the server ran out of disk space; upload the file again later');
    }
  });

  it('names other file system errors by code only, and keeps every other message', () => {
    expect(creatorFacing(new Error("EIO: i/o error, read '/srv/data/blobs/uploads/x/1'"))).toBe(
      'a storage error on the server (EIO); upload the file again',
    );
    const redis = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(creatorFacing(redis)).toBe('connect ECONNREFUSED 127.0.0.1:6379');
    expect(creatorFacing(new Error('upload damaged: 3 bytes'))).toBe('upload damaged: 3 bytes');
  });
});
