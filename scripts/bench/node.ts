import { measureTraining, type BenchRow } from '../../src/bench/measure';
import { NODE_ENVS, type NodeEnv } from '../../src/bench/config';
import { backendInfo, startBackend } from '../../src/cli/backend';
import type { GpuMemorySampler } from './gpuMemory';
import type { BenchModel } from './models';
import type { Options } from './options';

/**
 * One env x model x batch on Node, on the CLI's own backend set-up (src/cli/backend.ts): wasm
 * with CamSteer's training kernels, cpu, or webgpu through node-webgpu. The row names the
 * adapter (webgpu) or the thread count (wasm).
 */
export async function benchNode(env: NodeEnv, m: BenchModel, o: Options, batch: number, gpu?: GpuMemorySampler): Promise<BenchRow> {
  await startBackend(NODE_ENVS[env], { note: (line) => console.log(`\n  ${line}`) });
  const info = backendInfo();
  const model = await m.load();
  const mark = gpu?.mark();
  try {
    const row = await measureTraining(env, model, m, { steps: o.steps, warmup: o.warmup, batch, emitEvery: o.emitEvery });
    row.weights = m.weights;
    if (info.adapter) row.gpuAdapter = info.adapter;
    if (info.threads !== undefined) row.wasmThreads = info.threads;
    const peak = mark !== undefined ? gpu?.peakSince(mark) : null;
    if (peak) row.gpuMemoryPeakMiB = peak.peakMiB - peak.baselineMiB;
    return row;
  } finally {
    model.dispose();
  }
}
