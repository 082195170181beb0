import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { addAcceptHandles } from './accept-handles';

/** Keeps the event loop busy in turns of `ms` until stopped (a loaded API's turns). */
function busyTurns(ms: number): () => void {
  let on = true;
  const spin = () => {
    if (!on) return;
    const until = performance.now() + ms;
    while (performance.now() < until);
    setImmediate(spin);
  };
  setImmediate(spin);
  return () => (on = false);
}

/**
 * Opens `n` connections at once; resolves once all are accepted with each one's accept delay (ms)
 * and both ends of every connection.
 */
async function acceptDelays(server: Server, n: number): Promise<{ delays: number[]; sockets: Socket[] }> {
  const { port } = server.address() as AddressInfo;
  const startedAt = new Map<number, number>();
  const acceptedAt = new Map<number, number>();
  const sockets: Socket[] = [];
  let allAccepted!: () => void;
  const accepted = new Promise<void>((resolve) => (allAccepted = resolve));
  const onConnection = (socket: Socket) => {
    sockets.push(socket);
    acceptedAt.set(socket.remotePort ?? 0, performance.now());
    if (acceptedAt.size === n) allAccepted();
  };
  server.on('connection', onConnection);
  const connected: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    // On loopback the kernel completes the handshake at once, whether or not the server takes the
    // connection; this process's own 'connect' event would wait for the same busy loop.
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    connected.push(
      new Promise((resolve) =>
        socket.once('connect', () => resolve(void startedAt.set(socket.localPort ?? 0, started))),
      ),
    );
    sockets.push(socket);
  }
  await Promise.all([accepted, ...connected]);
  server.off('connection', onConnection);
  const delays = [...acceptedAt].map(([p, at]) => at - (startedAt.get(p) ?? NaN));
  return { delays, sockets };
}

function answer(server: Server): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('addAcceptHandles', () => {
  let server: Server;

  beforeEach(async () => {
    server = createServer((req, res) => res.end(`hello ${req.socket.localPort}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  it('accepts many connections per turn of a busy event loop, where Node alone takes one', async () => {
    const stop = busyTurns(10);
    const before = await acceptDelays(server, 40);
    expect(await addAcceptHandles(server, 16)).toBe(16);
    const after = await acceptDelays(server, 40);
    stop();
    for (const s of [...before.sockets, ...after.sockets]) s.destroy();
    const worst = (d: number[]) => Math.max(...d);
    // One per 10 ms turn: the 40th connection waits ≈ 0.4 s.
    expect(worst(before.delays)).toBeGreaterThan(250);
    // Sixteen per turn: all of them within a few turns.
    expect(worst(after.delays)).toBeLessThan(100);
  });

  it('hands every connection to the server: requests on any descriptor are answered as before', async () => {
    await addAcceptHandles(server, 4);
    const answers = await Promise.all(Array.from({ length: 50 }, () => answer(server)));
    const { port } = server.address() as AddressInfo;
    expect(answers).toEqual(Array.from({ length: 50 }, () => `hello ${port}`));
  });

  it('stops accepting on every descriptor when the server closes', async () => {
    await addAcceptHandles(server, 4);
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('leaves a server without a listening descriptor of its own as it is', async () => {
    const unlistened = createServer();
    expect(await addAcceptHandles(unlistened, 16)).toBe(1);
  });
});
