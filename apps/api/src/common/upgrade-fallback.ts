import { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Node hands every request carrying `Connection: Upgrade` to the server's 'upgrade' listeners
 * instead of its request handler once one such listener exists (the tracker's WebSocket). A client
 * may offer an upgrade it does not need (`curl --http2` sends `Upgrade: h2c`); the server may ignore
 * the offer and answer over HTTP/1.1. This answers such a request with the app's request handler,
 * then closes the connection (Node has already detached its HTTP parser from the socket).
 * A body the request announced is fed from `head` and the socket up to its Content-Length; a
 * chunked body cannot be (there is no parser left), so that request gets a 400.
 */
export function answerWithoutUpgrade(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const length = Number(req.headers['content-length'] ?? 0);
  if (req.headers['transfer-encoding'] || !Number.isSafeInteger(length) || length < 0) {
    const body = 'a chunked request body cannot come with an Upgrade header\n';
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    return;
  }
  // Node ends the upgrade request's body stream at once: a fresh request carries the same head and the body.
  const fresh = new IncomingMessage(socket as Socket);
  Object.assign(fresh, {
    method: req.method,
    url: req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
  });
  feedBody(fresh, socket, head, length);
  const res = new ServerResponse(fresh);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Parameters<ServerResponse['assignSocket']>[0]);
  res.on('finish', () => {
    res.detachSocket(socket as Parameters<ServerResponse['detachSocket']>[0]);
    socket.end();
  });
  server.emit('request', fresh, res);
}

function feedBody(req: IncomingMessage, socket: Duplex, head: Buffer, length: number): void {
  let remaining = length;
  // An incoming message that ends without `complete` destroys its socket (as for an aborted upload).
  const end = () => {
    req.complete = true;
    req.push(null);
  };
  const push = (chunk: Buffer) => {
    const part = chunk.subarray(0, remaining);
    remaining -= part.length;
    if (part.length) req.push(part);
    if (remaining === 0) {
      socket.off('data', push);
      end();
    }
  };
  if (remaining === 0) {
    end();
    return;
  }
  if (head.length) push(head);
  if (remaining > 0) socket.on('data', push);
}
