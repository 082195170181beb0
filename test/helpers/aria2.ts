import { execFile } from 'node:child_process';

/** A client run to its end: its exit code (null when killed by the timeout) and its output. */
export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` under a timeout (SIGKILL when it passes); never rejects. */
export function runClient(cmd: string, args: string[], timeoutMs: number): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/**
 * aria2c downloads `torrent` into `dir` from its tracker and webseeds only (DHT, LSD and PEX off), on
 * a random port, and gives up 5 s before `timeoutMs`.
 */
export function aria2Download(torrent: string, dir: string, timeoutMs: number): Promise<ClientRun> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  return runClient(
    'aria2c',
    [
      `--dir=${dir}`,
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--seed-time=0',
      `--listen-port=${port}`,
      '--console-log-level=warn',
      '--summary-interval=0',
      '--allow-overwrite=true',
      `--bt-stop-timeout=${Math.floor(timeoutMs / 1000) - 5}`,
      '--follow-torrent=false',
      '--file-allocation=none',
      torrent,
    ],
    timeoutMs,
  );
}
