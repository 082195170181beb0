import { createServer, request, type Server } from 'node:http';

export interface CountingProxy {
  url: string;
  /** Body bytes of 200/206 answers to /webseed/ requests that reached the client. */
  webseedBodyBytes: number;
  /** Webseed answers by status. */
  webseedStatuses: Map<number, number>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the API that counts, independently of the platform's own counters,
 * the webseed body bytes clients received. Webseed requests get an X-Forwarded-For naming their
 * connection (10.x.y.z from the client's source port): on loopback every client is 127.0.0.1, and
 * the webseed's policy tells clients apart by address. Tracker requests pass through unchanged, so
 * peers keep their real, reachable address.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const state: CountingProxy = {
    url: '',
    webseedBodyBytes: 0,
    webseedStatuses: new Map(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const webseed = (req.url ?? '').startsWith('/webseed/');
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: upstream.host };
    if (webseed) {
      const port = req.socket.remotePort ?? 0;
      headers['x-forwarded-for'] = `10.${(port >> 8) & 0xff}.${port & 0xff}.1`;
    }
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        const status = answer.statusCode ?? 0;
        if (webseed) state.webseedStatuses.set(status, (state.webseedStatuses.get(status) ?? 0) + 1);
        res.writeHead(status, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          if (webseed && (status === 200 || status === 206)) state.webseedBodyBytes += chunk.length;
        });
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}
