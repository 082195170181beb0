import type { IncomingHttpHeaders } from 'node:http';

/**
 * An upstream answer's headers as a proxy passes them on: without the hop-by-hop ones. Passing on
 * the API's `Keep-Alive: timeout=65` told clients the proxy keeps idle connections that long, while
 * its own server closes them after 5 s, and a request sent on one as it closed failed with "other
 * side closed".
 */
export function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
  return rest;
}
