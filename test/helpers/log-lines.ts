import { PassThrough } from 'node:stream';

/** A pino destination that parses each JSON line it is given into `lines`. */
export function collectLogLines(lines: Record<string, unknown>[]): PassThrough {
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
  );
  return out;
}
