/** Progress reporting and cancellation between the audit's batches. Free of tfjs. */

export type AuditPhase = 'prepare' | 'cams' | 'deletion' | 'occlusion' | 'randomization' | 'done';

export interface AuditProgress {
  phase: AuditPhase;
  /** Work done and planned, in forward passes of one image (a CAM pass counts as CAM_PASS_COST). */
  done: number;
  total: number;
  /** done / total, in [0, 1]. */
  fraction: number;
}

export type ProgressCallback = (p: AuditProgress) => void;
export type CancelCheck = () => boolean;

export class AuditCancelledError extends Error {
  constructor() {
    super('The audit was cancelled.');
    this.name = 'AuditCancelledError';
  }
}

/** Work units of one CAM computation (forward + head gradient) of one image. */
export const CAM_PASS_COST = 3;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Counts work, reports it, and checks for cancellation after every batch. `advance` also yields
 * a macrotask, so a worker can handle a "cancel" message between batches.
 */
export class AuditTracker {
  private done = 0;
  private current: AuditPhase = 'prepare';

  constructor(
    private total: number,
    private readonly onProgress?: ProgressCallback,
    private readonly shouldCancel?: CancelCheck,
  ) {}

  /** Throws AuditCancelledError when cancellation was asked for. */
  check(): void {
    if (this.shouldCancel?.()) throw new AuditCancelledError();
  }

  phase(phase: AuditPhase): void {
    this.current = phase;
    this.report();
  }

  /** Adds planned work (when a later phase learns its size; negative: work found unnecessary). */
  plan(extra: number): void {
    this.total += extra;
  }

  async advance(units: number): Promise<void> {
    this.done += units;
    this.report();
    await nextTask();
    this.check();
  }

  finish(): void {
    this.done = this.total;
    this.phase('done');
  }

  private report(): void {
    const total = Math.max(this.total, 1);
    this.onProgress?.({ phase: this.current, done: this.done, total: this.total, fraction: Math.min(1, this.done / total) });
  }
}
