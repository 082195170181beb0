// The `bencode` package (v4) ships no types; the unlock code only decodes .torrent files with it.
declare module 'bencode' {
  const bencode: { decode(data: Uint8Array): unknown; encode(value: unknown): Uint8Array };
  export default bencode;
}
