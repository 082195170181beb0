import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Downloads a torrent with transmission-cli (Transmission 3: no BEP 47, so pad files would land on
 * disk) into `dir`, DHT/LPD/PEX off; resolves once Transmission reports the torrent finished (its
 * finish script stops it). Rejects after `timeoutMs`.
 */
export function transmissionDownload(torrent: string, dir: string, timeoutMs: number): Promise<void> {
  const config = mkdtempSync(join(tmpdir(), 'ks-transmission-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  writeFileSync(
    join(config, 'settings.json'),
    JSON.stringify({
      'dht-enabled': false,
      'lpd-enabled': false,
      'pex-enabled': false,
      'port-forwarding-enabled': false,
      'peer-port': port,
      'rpc-enabled': false,
    }),
  );
  const finish = join(config, 'finished.sh');
  writeFileSync(finish, '#!/bin/sh\nkill -INT "$PPID"\n');
  chmodSync(finish, 0o755);
  return new Promise((resolve, reject) => {
    const proc = spawn('transmission-cli', ['-g', config, '-w', dir, '-p', String(port), '-f', finish, torrent], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`transmission-cli did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 || signal === 'SIGINT') resolve();
      else reject(new Error(`transmission-cli exited with ${code ?? signal}: ${stderr}`));
    });
  });
}
