import { spawn, type ChildProcess } from 'node:child_process';
import { GPU_MEMORY_SAMPLE_MS } from '../../src/bench/config';

/**
 * GPU memory in use, sampled by nvidia-smi in the background (MiB, whole GPU: every process).
 * `window()` marks a start; `peakSince(mark)` is the largest sample since, minus the sample at
 * the mark: the peak a row added on top of what was already held.
 */
export class GpuMemorySampler {
  private proc: ChildProcess | null = null;
  private samples: { t: number; mib: number }[] = [];
  private buffer = '';
  error: string | null = null;

  start(): void {
    try {
      this.proc = spawn('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', `-lms`, String(GPU_MEMORY_SAMPLE_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      this.error = (e as Error).message;
      return;
    }
    this.proc.on('error', (e) => (this.error = `nvidia-smi: ${e.message}`));
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop() ?? '';
      for (const l of lines) {
        const mib = Number(l.trim().split(/\s*,\s*/)[0]);
        if (Number.isFinite(mib)) this.samples.push({ t: performance.now(), mib });
      }
    });
  }

  /** The latest sample (null before the first). */
  now(): { t: number; mib: number } | null {
    return this.samples.at(-1) ?? null;
  }

  mark(): number {
    return performance.now();
  }

  /** Largest sample since `mark`, and what was in use at the mark (MiB); null without samples. */
  peakSince(mark: number): { peakMiB: number; baselineMiB: number; samples: number } | null {
    const before = [...this.samples].reverse().find((s) => s.t <= mark);
    const during = this.samples.filter((s) => s.t > mark);
    if (!during.length) return null;
    return { peakMiB: Math.max(...during.map((s) => s.mib)), baselineMiB: before?.mib ?? during[0].mib, samples: during.length };
  }

  stop(): void {
    this.proc?.kill();
    this.proc = null;
  }
}
