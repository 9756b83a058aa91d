import type { RunControlLike } from './run';

/** Pause/stop flags set by the host (worker messages, a CLI signal), read between steps. */
export class RunControl implements RunControlLike {
  stopped = false;
  /** Stop without keeping the run's model (reset to baseline). */
  discard = false;
  /** Stopped by a fault (lost GPU device): keep the checkpoint so the next worker offers Resume. */
  keepCheckpoint = false;
  private resumeWaiters: (() => void)[] = [];
  private pausedFlag = false;

  get paused(): boolean {
    return this.pausedFlag;
  }
  pause(): void {
    this.pausedFlag = true;
  }
  resume(): void {
    this.pausedFlag = false;
    this.resumeWaiters.splice(0).forEach((r) => r());
  }
  stop(): void {
    this.stopped = true;
    this.resume();
  }
  /** Lets queued messages run; blocks while paused. */
  async checkpoint(): Promise<void> {
    await new Promise((r) => setTimeout(r, 0));
    while (this.pausedFlag && !this.stopped) await new Promise<void>((r) => this.resumeWaiters.push(r));
  }
}
