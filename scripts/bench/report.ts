import type { BenchRow as Row } from '../../src/bench/measure';
import type { TorchRow } from './torch';

const fmt = (v: number | undefined | null, digits = 1) => (v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));
export { fmt };

/** A row's key: model and batch (a model id already carries @size when resized). */
const key = (r: { model: string; batch: number }) => `${r.model} b${r.batch}`;

/** tfjs env median over the fastest torch row of the same model and batch (optionally one thread count). */
function overTorch(rows: Row[], torch: TorchRow[], env: string, k: string, threads?: number): number | null {
  const w = rows.find((r) => r.env === env && key(r) === k);
  const ts = torch.filter((t) => key(t) === k && t.medianMs !== undefined && (threads === undefined || t.threads === threads));
  return w && ts.length ? w.medianMs / Math.min(...ts.map((t) => t.medianMs!)) : null;
}

/** The ratios the README's targets are about, by model x batch and by row. */
export function ratios(rows: Row[], torch: TorchRow[]) {
  const keys = [...new Set(rows.map(key))];
  const ref = rows.find((r) => r.env === 'node-wasm') ?? rows[0];
  const streamRef = ['chromium-wasm', 'chromium-webgpu', 'chromium-webgl', 'chromium-cpu'].map((e) => rows.find((r) => r.env === e)).find(Boolean) ?? ref;
  return {
    onePassOverTwoPass: ref ? ref.onePassOverTwoPass : null,
    streamingOverhead: streamRef ? streamRef.streamingOverhead : null,
    /** The same row's overhead from medians: median emission / (emitEvery x median step). */
    streamingOverheadFromMedians: streamRef ? streamRef.streamingOverheadFromMedians : null,
    streamingOverheadBasis: streamRef ? `${streamRef.env} x ${streamRef.model}` : null,
    byModel: Object.fromEntries(
      keys.map((k) => [
        k,
        {
          wasmOverTorch: overTorch(rows, torch, 'node-wasm', k),
          wasmOverTorch1Thread: overTorch(rows, torch, 'node-wasm', k, 1),
          wasmOverTorch2Threads: overTorch(rows, torch, 'node-wasm', k, 2),
          chromiumWasmOverTorch: overTorch(rows, torch, 'chromium-wasm', k),
          chromiumWasmOverTorch2Threads: overTorch(rows, torch, 'chromium-wasm', k, 2),
          webgpuOverTorchCuda: (() => {
            const w = rows.find((r) => r.env === 'node-webgpu' && key(r) === k);
            const t = torch.find((r) => r.env === 'torch-cuda' && key(r) === k && r.medianMs !== undefined);
            return w && t ? w.medianMs / t.medianMs! : null;
          })(),
        },
      ]),
    ),
    /** Every row's streaming overhead and one-pass/two-pass ratio, by "env x model bN". */
    byEnv: Object.fromEntries(
      rows.map((r) => [
        `${r.env} x ${key(r)}`,
        { streamingOverhead: r.streamingOverhead, streamingOverheadFromMedians: r.streamingOverheadFromMedians, onePassOverTwoPass: r.onePassOverTwoPass },
      ]),
    ),
  };
}

export function printTables(rows: Row[], torch: TorchRow[]): void {
  console.table(
    rows.map((r) => ({
      env: r.env,
      model: r.model.includes('@') ? r.model : `${r.model}@${r.inputSize}`,
      batch: r.batch,
      'ms/step (median)': fmt(r.medianMs),
      'min ms': fmt(r.minMs),
      'first step ms': fmt(r.firstStepMs),
      'images/s': fmt(r.imagesPerSec),
      'tensors flat': r.tensorsFlat ? 'yes' : `no (${r.tensorsBefore}/${r.tensorsAfter})`,
      '1-pass/2-pass': fmt(r.onePassOverTwoPass, 2),
      streaming: `${fmt(100 * r.streamingOverhead)}% (${fmt(100 * r.streamingOverheadFromMedians)}%)`,
      ...(r.gpuMemoryPeakMiB !== undefined ? { 'GPU MiB': fmt(r.gpuMemoryPeakMiB, 0) } : {}),
    })),
  );
  if (torch.length) {
    console.table(
      torch.map((r) => ({
        env: r.env,
        model: r.model,
        batch: r.batch,
        threads: r.threads,
        'ms/step (median)': r.skipped ? `skipped: ${r.skipped}` : fmt(r.medianMs),
        'min ms': fmt(r.minMs),
        'images/s': fmt(r.imagesPerSec),
        'first-loss diff vs tfjs': r.firstLossRelDiff === undefined ? '-' : r.firstLossRelDiff.toExponential(1),
        ...(r.maxMemoryAllocatedMiB !== undefined ? { 'max alloc MiB': fmt(r.maxMemoryAllocatedMiB, 0) } : {}),
      })),
    );
  }
}
