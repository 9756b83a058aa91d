import * as tf from '@tensorflow/tfjs';
import { heatmapAtMaskSize, energyInMask } from '../core/alignment';
import { batchSampler, disposeBatch, makeBatch } from '../core/batch';
import { computeCam } from '../core/cam';
import { SCORE_SCALE, TARGET_LAYER, type TrainSettings } from '../core/config';
import { buildDistortedSet, disposeSamples, type Sample } from '../core/dataset';
import { assertSteerable, resizeMask, type Mask } from '../core/mask';
import { buildTinyModel, cloneModel } from '../core/model';
import { Trainer } from '../core/trainer';
import type { FromWorker, HeatmapFrame, LossReadout, TrainPhase } from '../protocol/messages';
import { bitmapToTensor, canvasJpeg } from './pixels';

export class NonFiniteLossError extends Error {
  constructor(step: number) {
    super(`The loss became NaN or infinite at step ${step}. Try a smaller learning rate.`);
    this.name = 'NonFiniteLossError';
  }
}

/** Pause/stop flags set by messages, read between steps. */
export class RunControl {
  stopped = false;
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

interface Baseline {
  key: string;
  model: tf.LayersModel;
  samples: Sample[];
}

/** Worker-side state that outlives one run: the images and the cached baseline. */
export class Session {
  private baseline: Baseline | null = null;
  readonly images = new Map<string, ImageBitmap>();

  constructor(private readonly post: (msg: FromWorker) => void) {}

  setImages(images: { id: string; bitmap: ImageBitmap }[]): void {
    for (const b of this.images.values()) b.close();
    this.images.clear();
    for (const im of images) this.images.set(im.id, im.bitmap);
    this.dropBaseline();
  }

  dropBaseline(): void {
    if (!this.baseline) return;
    this.baseline.model.dispose();
    disposeSamples(this.baseline.samples);
    this.baseline = null;
  }

  async run(settings: TrainSettings, targetImageId: string, mask: Mask, control: RunControl): Promise<void> {
    assertSteerable(mask);
    if (!this.images.has(targetImageId)) throw new Error(`Image "${targetImageId}" is not loaded`);
    const t0 = performance.now();
    const base = await this.ensureBaseline(settings, control);
    if (!base || control.stopped) return this.finish(true, 0, t0);

    const model = await cloneModel(base.model);
    const outShape = model.getLayer(TARGET_LAYER).outputShape as number[];
    const grid = { h: outShape[1], w: outShape[2] };
    const maskGrid = resizeMask(mask, grid.w, grid.h).data;
    const samples = base.samples;
    const target = samples.findIndex((s) => s.refId === targetImageId && s.distortion === null);
    const x = samples[target].image.expandDims(0) as tf.Tensor4D;
    const trainer = new Trainer(model, { ...settings, layerName: TARGET_LAYER });
    try {
      this.post({ type: 'heatmap', frame: await this.heatmap(trainer, x, grid, mask, 'before', targetImageId, 0) });
      const own = samples.map((s, i) => (s.refId === targetImageId ? i : -1)).filter((i) => i >= 0);
      const rest = samples.map((s, i) => (s.refId !== targetImageId ? i : -1)).filter((i) => i >= 0);
      const half = rest.length ? Math.ceil(settings.batchSize / 2) : settings.batchSize;
      const nextOwn = batchSampler(own, half, settings.seed + 1);
      const nextRest = batchSampler(rest, settings.batchSize - half, settings.seed + 2);
      const steps = await this.loop('steering', settings, control, trainer, async () => {
        const idx = rest.length ? [...nextOwn(), ...nextRest()] : nextOwn();
        return makeBatch(samples, idx, new Map([[targetImageId, maskGrid]]), grid);
      }, async (step) => {
        this.post({ type: 'heatmap', frame: await this.heatmap(trainer, x, grid, mask, 'live', targetImageId, step) });
      });
      this.post({ type: 'heatmap', frame: await this.heatmap(trainer, x, grid, mask, 'after', targetImageId, steps) });
      this.finish(control.stopped, steps, t0);
    } finally {
      x.dispose();
      trainer.dispose();
      model.dispose();
    }
  }

  private finish(stopped: boolean, steps: number, t0: number): void {
    this.post({ type: 'done', stopped, steps, seconds: (performance.now() - t0) / 1000 });
  }

  /** Builds the distorted set and trains the quality-only baseline, or reuses the cached one. */
  private async ensureBaseline(settings: TrainSettings, control: RunControl): Promise<Baseline | null> {
    const ids = [...this.images.keys()].sort();
    const key = JSON.stringify([ids, settings.inputSize, settings.baselineSteps, settings.batchSize, settings.learningRate, settings.optimizer, settings.seed]);
    if (this.baseline?.key === key) return this.baseline;
    this.dropBaseline();

    const refs = [...this.images.entries()].map(([id, bm]) => ({ id, image: bitmapToTensor(bm, settings.inputSize) }));
    let samples: Sample[];
    try {
      samples = await buildDistortedSet(refs, { seed: settings.seed, jpeg: canvasJpeg }, (done, total) =>
        this.post({ type: 'progress', phase: 'preparing', step: done, total, losses: null, stepsPerSec: 0, message: `Distorting photos ${done}/${total}` }),
      );
    } finally {
      tf.dispose(refs.map((r) => r.image));
    }
    const model = buildTinyModel(settings.inputSize, settings.seed);
    const trainer = new Trainer(model, { ...settings, lambda: 0, layerName: TARGET_LAYER });
    try {
      const outShape = model.getLayer(TARGET_LAYER).outputShape as number[];
      const grid = { h: outShape[1], w: outShape[2] };
      const next = batchSampler(samples.map((_, i) => i), settings.batchSize, settings.seed);
      await this.loop('baseline', { ...settings, steerSteps: settings.baselineSteps }, control, trainer, async () =>
        makeBatch(samples, next(), new Map(), grid),
      );
    } catch (e) {
      model.dispose();
      disposeSamples(samples);
      throw e;
    } finally {
      trainer.dispose();
    }
    if (control.stopped) {
      model.dispose();
      disposeSamples(samples);
      return null;
    }
    this.baseline = { key, model, samples };
    return this.baseline;
  }

  /**
   * The training loop: one tidy step per iteration, losses read back only every
   * `emitEvery` steps, a yield between steps so pause/stop messages are handled.
   */
  private async loop(
    phase: TrainPhase,
    settings: TrainSettings,
    control: RunControl,
    trainer: Trainer,
    batchAt: (step: number) => Promise<ReturnType<typeof makeBatch>>,
    onEmit?: (step: number) => Promise<void>,
  ): Promise<number> {
    const total = settings.steerSteps;
    let windowStart = performance.now();
    let windowSteps = 0;
    let step = 0;
    while (step < total && !control.stopped) {
      const batch = await batchAt(step);
      const losses = trainer.step(batch);
      disposeBatch(batch);
      step++;
      windowSteps++;
      if (step % settings.emitEvery === 0 || step === total) {
        const [totalLoss, task, cam] = Array.from(await losses.data());
        losses.dispose();
        if (![totalLoss, task, cam].every(Number.isFinite)) throw new NonFiniteLossError(step);
        const now = performance.now();
        const readout: LossReadout = { total: totalLoss, task, cam };
        this.post({
          type: 'progress', phase, step, total, losses: readout,
          stepsPerSec: (windowSteps * 1000) / Math.max(1, now - windowStart),
          message: phase === 'baseline' ? 'Training the quality baseline' : 'Steering toward the mask',
        });
        windowStart = now;
        windowSteps = 0;
        await onEmit?.(step);
      } else {
        losses.dispose();
      }
      await control.checkpoint();
    }
    return step;
  }

  private async heatmap(
    trainer: Trainer,
    x: tf.Tensor4D,
    grid: { h: number; w: number },
    mask: Mask,
    which: HeatmapFrame['which'],
    imageId: string,
    step: number,
  ): Promise<HeatmapFrame> {
    const { q, map } = computeCam(trainer.split, x, 'gradcam');
    const [data, score] = await Promise.all([map.data() as Promise<Float32Array>, q.data()]);
    tf.dispose([q, map]);
    const energy = energyInMask(heatmapAtMaskSize(data, grid.w, grid.h, mask.width, mask.height), mask.data);
    return { imageId, which, step, width: grid.w, height: grid.h, data, energy, score: score[0] * SCORE_SCALE };
  }
}
