import type { Io } from './io';

/** m:ss or h:mm:ss; '--:--' when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * A progress bar with elapsed time and ETA on stderr. On a terminal it redraws one line
 * (at most ~10 times a second); otherwise (logs, CI) it prints a line per 10 % and the last.
 * `quiet` silences it.
 */
export class ProgressBar {
  private readonly start = Date.now();
  private lastDraw = 0;
  private lastPct = 0;
  private finished = false;

  constructor(
    private readonly io: Io,
    private readonly label: string,
    private total: number,
    private readonly quiet = false,
  ) {}

  /** For work whose size is known only once it starts. */
  setTotal(total: number): void {
    this.total = total;
  }

  update(done: number, extra = ''): void {
    if (this.quiet || this.finished) return;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const now = Date.now();
    const elapsed = (now - this.start) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const pct = Math.floor(frac * 100);
    const last = done >= this.total;
    const bar = '#'.repeat(Math.round(frac * 24)).padEnd(24, '.');
    const line = `${this.label} [${bar}] ${String(pct).padStart(3)}% ${done}/${this.total} ${formatDuration(elapsed)} ETA ${last ? '0:00' : formatDuration(eta)}${extra ? '  ' + extra : ''}`;
    if (this.io.stderrIsTTY) {
      if (!last && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.io.stderr(`\r${line}\x1b[K${last ? '\n' : ''}`);
    } else if (last || pct >= this.lastPct + 10) {
      this.lastPct = pct - (pct % 10);
      this.io.stderr(line + '\n');
    }
    if (last) this.finished = true;
  }

  /** Ends a bar that stopped early (error, cancel) so the next output starts on a fresh line. */
  close(): void {
    if (!this.quiet && !this.finished && this.io.stderrIsTTY && this.lastDraw > 0) this.io.stderr('\n');
    this.finished = true;
  }
}

/** Prints a status line on stderr unless quiet. */
export function note(io: Io, quiet: boolean, text: string): void {
  if (!quiet) io.stderr(text + '\n');
}
