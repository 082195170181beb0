import type { PieceReader } from './piece-reader';

/** A single byte range `[start, end]` (inclusive), as HTTP writes it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range` header against a file of `size` bytes: null for no (or an unusable multi-)range,
 * 'unsatisfiable' when it starts past the end. Only single ranges: what media elements send.
 */
export function parseRange(header: string | null, size: number): ByteRange | null | 'unsatisfiable' {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return null;
  return { start, end };
}

/**
 * The plaintext bytes `[start, end]` as a stream, piece by piece as the reader consumes them
 * (back-pressure: a paused `<video>` stops the fetching), one piece read ahead. `onError` hears why
 * a stream failed (a corrupt piece, a revoked license…), since the media element only sees "network error".
 */
export function plaintextStream(
  reader: PieceReader,
  range: ByteRange,
  onError: (err: unknown) => void = () => undefined,
): ReadableStream<Uint8Array> {
  const L = reader.pieceLength;
  let pos = range.start;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pos > range.end) return controller.close();
        const index = Math.floor(pos / L);
        try {
          const piece = await reader.piece(index);
          reader.prefetch(index + 1);
          const from = pos - index * L;
          const to = Math.min(piece.length, range.end + 1 - index * L);
          controller.enqueue(piece.slice(from, to));
          pos = index * L + to;
          if (pos > range.end) controller.close();
        } catch (err) {
          onError(err);
          controller.error(err);
        }
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * The answer to a media element's request for a decrypted file: 206 with the covering range
 * (200 without a Range header, 416 past the end), its exact Content-Length, the file's type.
 */
export function rangeResponse(
  reader: PieceReader,
  rangeHeader: string | null,
  contentType: string,
  onError?: (err: unknown) => void,
): Response {
  const size = reader.size;
  const range = parseRange(rangeHeader, size);
  const common = { 'Accept-Ranges': 'bytes', 'Content-Type': contentType, 'Cache-Control': 'no-store' };
  if (range === 'unsatisfiable')
    return new Response(null, { status: 416, headers: { ...common, 'Content-Range': `bytes */${size}` } });
  const r = range ?? { start: 0, end: size - 1 };
  const headers: Record<string, string> = { ...common, 'Content-Length': String(r.end - r.start + 1) };
  if (range) headers['Content-Range'] = `bytes ${r.start}-${r.end}/${size}`;
  return new Response(plaintextStream(reader, r, onError), { status: range ? 206 : 200, headers });
}
