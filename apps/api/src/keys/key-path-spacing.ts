/**
 * The key path's batched statements and Redis counts go out at most once per this many
 * milliseconds (SendSpacing): a lone request is not delayed, and at a premiere's release each
 * batch carries the requests of the last few milliseconds instead of one or two
 * (docs/architecture.md, the release minute; BENCHMARKS.md, premiere, session 11).
 */
export const KEY_PATH_SPACING_MS = 3;
