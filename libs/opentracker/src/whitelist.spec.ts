import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reloadOpentracker, whitelistText, writeWhitelist } from './whitelist';

const A = 'ab'.repeat(20);
const B = '0f'.repeat(20);

describe('opentracker whitelist', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ks-whitelist-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists each info-hash once, lower case, sorted, one per line after a comment', () => {
    expect(whitelistText([A.toUpperCase(), B, A])).toBe(
      `# Keyseed: info-hashes of the published bundles (rewritten on publish and takedown)\n${B}\n${A}\n`,
    );
    expect(() => whitelistText(['abc'])).toThrow(/not a 20-byte hex info-hash/);
  });

  it('replaces the file in one rename, world-readable, leaving no temporary file', async () => {
    const path = join(dir, 'whitelist.txt');
    writeFileSync(path, 'old\n');
    await writeWhitelist(path, whitelistText([A]));
    expect(readFileSync(path, 'utf8')).toContain(`${A}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['whitelist.txt']);
  });

  it('signals the process of the PID file with SIGHUP, or runs the reload command', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        "process.on('SIGHUP', () => { console.log('hup'); process.exit(0); }); setInterval(() => {}, 1000); console.log('up')",
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await once(child.stdout, 'data');
    const pidFile = join(dir, 'ot.pid');
    writeFileSync(pidFile, `${child.pid}\n`);
    const out = once(child.stdout, 'data');
    await reloadOpentracker({ pidFile });
    expect(String((await out)[0])).toBe('hup\n');
    await once(child, 'exit');

    const marker = join(dir, 'reloaded');
    await reloadOpentracker({ command: `touch '${marker}'` });
    expect(statSync(marker).isFile()).toBe(true);
    writeFileSync(pidFile, 'nonsense');
    await expect(reloadOpentracker({ pidFile })).rejects.toThrow(/does not hold a process id/);
  });
});
