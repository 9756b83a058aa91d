import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PYTHON_CANDIDATES, TRAIN } from '../../src/bench/config';
import { benchBatch } from '../../src/bench/measure';
import { disposeBatch } from '../../src/core/batch';
import type { BenchModel } from './models';
import type { GpuMemorySampler } from './gpuMemory';

export interface TorchRow {
  env: string;
  model: string;
  batch: number;
  threads: number;
  medianMs?: number;
  minMs?: number;
  firstStepMs?: number;
  imagesPerSec?: number;
  torchVersion?: string;
  device?: string;
  firstLosses?: number[];
  /** |loss_torch - loss_tfjs| / loss_tfjs at the first step (same weights and batch). */
  firstLossRelDiff?: number;
  /** CUDA: torch.cuda.max_memory_allocated (MiB). */
  maxMemoryAllocatedMiB?: number;
  /** CUDA: nvidia-smi's peak during the run over the level before it (MiB; includes the CUDA context). */
  gpuMemoryPeakMiB?: number;
  skipped?: string;
}

/** The first Python that imports torch (and sees CUDA for `cuda`), or why none does. */
export function findPython(device: 'cpu' | 'cuda'): { python: string } | { missing: string } {
  const check = device === 'cuda' ? 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)' : 'import torch';
  for (const p of PYTHON_CANDIDATES) {
    try {
      execFileSync(p, ['-c', check], { stdio: 'pipe' });
      return { python: p };
    } catch {
      // next
    }
  }
  return { missing: `no python3 with torch${device === 'cuda' ? ' and CUDA' : ''} (${PYTHON_CANDIDATES.join(', ')}; Debian: apt-get install -y python3-torch)` };
}

/** Writes the model's layers, weights and the batch for scripts/torch_ref.py (async reads: works on webgpu too). */
async function exportForTorch(m: BenchModel, batchSize: number, dir: string): Promise<void> {
  const model = await m.load();
  const batch = benchBatch(model, m.layerName, m.inputSize, batchSize);
  const chunks: Float32Array[] = [];
  let offset = 0;
  const put = async (t: tf.Tensor) => {
    const v = (await t.data()) as Float32Array;
    chunks.push(v);
    offset += v.length;
    return { offset: offset - v.length, shape: t.shape };
  };
  try {
    const layers = [];
    for (const layer of model.layers) {
      const node = layer.inboundNodes[0];
      const values = layer.getWeights();
      const weights = [];
      for (const [i, w] of layer.weights.entries()) weights.push({ role: w.originalName.split('/').pop(), trainable: w.trainable, ...(await put(values[i])) });
      layers.push({ name: layer.name, className: layer.getClassName(), config: layer.getConfig(), inbound: node ? node.inboundLayers.map((l) => l.name) : [], weights });
    }
    const spec = {
      layers,
      targetLayer: m.layerName,
      outputLayer: model.outputLayers[0].name,
      batch: { x: await put(batch.x), y: await put(batch.y), masks: await put(batch.masks), maskWeight: await put(batch.maskWeight) },
      options: TRAIN,
    };
    const data = new Float32Array(offset);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    writeFileSync(join(dir, 'data.bin'), Buffer.from(data.buffer));
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
}

export interface TorchRun {
  root: string;
  device: 'cpu' | 'cuda';
  /** CPU thread counts; cuda runs once. */
  threads: number[];
  batch: number;
  warmup: number;
  steps: number;
  /** The tfjs row's first-step loss, for the comparison column. */
  tfjsLoss?: number;
  gpuMemory?: GpuMemorySampler;
}

/** The same step in PyTorch (scripts/torch_ref.py) on the same weights and batch. */
export async function benchTorch(m: BenchModel, r: TorchRun): Promise<TorchRow[]> {
  const env = `torch-${r.device}`;
  const found = findPython(r.device);
  if ('missing' in found) return [{ env, model: m.id, batch: r.batch, threads: 0, skipped: found.missing }];
  const dir = mkdtempSync(join(tmpdir(), 'camsteer-bench-'));
  try {
    await exportForTorch(m, r.batch, dir);
    const runs = r.device === 'cuda' ? [0] : r.threads;
    return runs.map((threads) => {
      const mark = r.gpuMemory?.mark();
      const args = [join(r.root, 'scripts', 'torch_ref.py'), join(dir, 'spec.json'), join(dir, 'data.bin'), '--device', r.device, '--warmup', String(r.warmup), '--steps', String(r.steps)];
      if (r.device === 'cpu') args.push('--threads', String(threads));
      const out = execFileSync(found.python, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
      const res = JSON.parse(out.trim().split('\n').pop()!) as {
        error?: string;
        medianMs: number;
        firstStepMs: number;
        stepsMs: number[];
        torchVersion: string;
        threads: number;
        device: string;
        firstLosses: number[];
        maxMemoryAllocatedMiB?: number;
      };
      if (res.error) return { env, model: m.id, batch: r.batch, threads, skipped: res.error };
      const gpu = mark !== undefined ? r.gpuMemory?.peakSince(mark) : null;
      return {
        env,
        model: m.id,
        batch: r.batch,
        threads: res.threads,
        device: res.device,
        medianMs: res.medianMs,
        minMs: Math.min(...res.stepsMs),
        firstStepMs: res.firstStepMs,
        imagesPerSec: (r.batch * 1000) / res.medianMs,
        torchVersion: res.torchVersion,
        firstLosses: res.firstLosses,
        firstLossRelDiff: r.tfjsLoss === undefined ? undefined : Math.abs(res.firstLosses[0] - r.tfjsLoss) / Math.abs(r.tfjsLoss),
        ...(res.maxMemoryAllocatedMiB !== undefined ? { maxMemoryAllocatedMiB: res.maxMemoryAllocatedMiB } : {}),
        ...(gpu ? { gpuMemoryPeakMiB: gpu.peakMiB - gpu.baselineMiB } : {}),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
