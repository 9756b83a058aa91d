import type { BackendChoice } from '../protocol/messages';
import type { BenchFrame, BenchRow, MeasureOptions } from './measure';

/** What the bench page asks its worker to run (from the page URL). */
export interface BenchRequest extends MeasureOptions {
  backend: BackendChoice;
  /** 'tiny', 'mnv2-035-random', or the name of a folder under public/models/. */
  model: string;
  /** Absolute URL of the app's root, for shipped models (same origin). */
  baseUrl: string;
}

/** Page -> worker. */
export type ToBenchWorker = { type: 'run'; request: BenchRequest };

/** Worker -> page; one discriminated union, as src/protocol/messages.ts. */
export type FromBenchWorker =
  | { type: 'status'; message: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'frame'; frame: BenchFrame }
  | { type: 'result'; row: BenchRow }
  | { type: 'error'; message: string };

/** What the page exposes on `window.__benchResult` for the harness (scripts/bench.ts). */
export type BenchPageResult = { ok: true; row: BenchRow } | { ok: false; error: string };

declare global {
  interface Window {
    /** Set once by the bench page: the run's row, or why it failed. */
    __benchResult?: BenchPageResult;
    /** The page's last status line (for the harness's progress display). */
    __benchProgress?: string;
  }
}
