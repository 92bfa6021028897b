/** Types for ./arrivals.mjs (used from TypeScript by ../quotaReplay.ts). */
export interface ArrivalSpec {
  /** Offset from the cell's start, ms. */
  at: number;
  prompt: number;
  maxTokens: number;
  stream: boolean;
}
/** The benchmark's deployments and size mix (see ./arrivals.mjs). */
export const QUOTA_SCENARIO: {
  timeScale: number;
  tpms: number[];
  loads: number[];
  meanCharge: number;
  streamShare: number;
  latencyMs: number;
  chunkDelayMs: number;
};
export function mulberry32(seed: number): () => number;
export function arrivalSpecs(o: { seed: number; ratePerMin: number; minuteMs: number; durationMs: number; streamShare: number }): ArrivalSpec[];
