/**
 * Whether the proxy records metrics and timelines. Always true in the
 * product; the benchmark builds a second CLI with this module replaced by
 * `false` (bench/lib/norecord.mjs) to measure what recording costs the hot path.
 */
export const RECORDING: boolean = true;
