/**
 * One JSON request to a running platform, as the demo and the browser tests make them: an optional
 * bearer token, a JSON body, a 30 s timeout. An answer whose status is not in `expect` (default: any
 * 2xx) throws with the start of its body; otherwise its JSON (undefined when empty) is returned.
 */
export async function jsonCall<T>(
  base: string,
  method: string,
  path: string,
  token?: string | null,
  body?: unknown,
  expect?: number[],
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (expect ? !expect.includes(res.status) : !res.ok)
    throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
