/** A one-line progress bar with ETA on a TTY; a line per 5 % (and the last) otherwise. */
export class Progress {
  private readonly start = Date.now();
  private lastPct = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, extra = ''): void {
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const pct = Math.floor(frac * 100);
    const width = 28;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `${this.label} [${bar}] ${String(pct).padStart(3)}% ${done}/${this.total} ${fmt(elapsed)} ETA ${fmt(eta)}${extra ? ' ' + extra : ''}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K`);
      if (done >= this.total) this.stream.write('\n');
    } else if (pct >= this.lastPct + 5 || done >= this.total) {
      this.lastPct = pct;
      this.stream.write(line + '\n');
    }
  }
}

export function fmt(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${ss}s` : `${m}:${ss}`;
}
