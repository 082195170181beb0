import { spawn } from 'node:child_process';
import type { Server } from 'node:net';

/**
 * Listening descriptors the API watches for its one listening socket (the one `listen` made and
 * ACCEPT_HANDLES - 1 copies of it). Node 20's libuv accepts one connection per descriptor per turn of
 * the event loop; at a premiere's release a busy turn lasts 5–20 ms, so hundreds of new connections
 * waited up to seconds in the kernel's queue (docs/architecture.md, the release minute).
 */
export const ACCEPT_HANDLES = 16;

/** Node's listening TCP handle (TCPWrap; not in Node's typings). */
interface ListenHandle {
  fd: number;
  listen(backlog: number): number;
  close(): void;
  onconnection: ((this: ListenHandle, status: number, client?: unknown) => void) | null;
}

/** What Node keeps on a net.Server that is listening (not in Node's typings). */
interface ListeningServer extends Server {
  _handle: ListenHandle | null;
}

/** The listen backlog Node gives a server that does not name one. */
const NODE_DEFAULT_BACKLOG = 511;

/**
 * A child that sends every handle it is sent straight back and closes its own copy once sent: a
 * handle passed over Node's IPC channel arrives as a new descriptor of the same socket, the only way
 * to duplicate one without native code.
 */
const ECHO_HANDLES = `process.on('message', (m, h) => process.send(m, h, () => h.close()));`;

/**
 * Makes `server` (listening on TCP) accept up to `count` connections per turn of the event loop
 * instead of one: `count - 1` more descriptors of its listening socket, each watched by the loop,
 * each handing what it accepts to the server's own connection path (Node's `onconnection`: the same
 * socket options, connection count and 'connection' event as the first). They close with the
 * server. Resolves with how many descriptors the server has in all; a server without a descriptor
 * of its own (a round-robin cluster worker, a pipe) keeps its one.
 */
export async function addAcceptHandles(server: Server, count = ACCEPT_HANDLES): Promise<number> {
  const primary = (server as ListeningServer)._handle;
  if (!primary || typeof primary.fd !== 'number' || primary.fd < 0 || typeof primary.onconnection !== 'function')
    return 1;
  const copies = await copyHandle(primary, count - 1);
  const accept = primary.onconnection;
  const closeCopies = () => {
    for (const copy of copies.splice(0)) copy.close();
  };
  for (const copy of copies) {
    copy.onconnection = function (status, client) {
      // After server.close() the first descriptor is closed and the copies go with the next connection.
      if ((server as ListeningServer)._handle !== primary) {
        (client as { close?: () => void } | undefined)?.close?.();
        closeCopies();
        return;
      }
      accept.call(primary, status, client);
    };
    const status = copy.listen(NODE_DEFAULT_BACKLOG);
    if (status !== 0) throw new Error(`listen on a copy of the listening socket failed (${status})`);
  }
  server.once('close', closeCopies);
  return copies.length + 1;
}

/**
 * `n` new descriptors of `handle`'s socket, by way of a child process that echoes handles; resolves
 * once the child has exited, so no other process holds the socket.
 */
function copyHandle(handle: ListenHandle, n: number): Promise<ListenHandle[]> {
  if (n <= 0) return Promise.resolve([]);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['-e', ECHO_HANDLES], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env });
  const copies: ListenHandle[] = [];
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      for (const copy of copies) copy.close();
      child.kill();
      reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code) => {
      if (copies.length < n)
        fail(new Error(`the handle-copying child exited (${code}) after ${copies.length} of ${n}`));
      else resolve(copies);
    });
    child.on('message', (_m: unknown, copy: ListenHandle | undefined) => {
      if (!copy) return fail(new Error('the handle-copying child sent a message without a handle'));
      copies.push(copy);
      if (copies.length === n) child.disconnect(); // the child's loop has nothing left: it exits
    });
    for (let i = 0; i < n; i++) child.send('copy', handle as never);
  });
}
