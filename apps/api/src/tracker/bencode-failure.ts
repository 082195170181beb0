/** A bencoded tracker error: `d14:failure reason<len>:<msg>e` (BEP 3), with UTF-8 byte lengths. */
export function bencodeFailure(message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`d14:failure reason${msg.length}:`), msg, Buffer.from('e')]);
}
