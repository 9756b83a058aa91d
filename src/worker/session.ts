import * as tf from '@tensorflow/tfjs';
import { heatmapAtMaskSize, energyInMask } from '../core/alignment';
import { batchOf, batchSampler, sampleSource } from '../core/batch';
import { computeCam } from '../core/cam';
import { MAX_WATCHED, SCORE_SCALE, TARGET_LAYER, type TrainSettings } from '../core/config';
import { areaFraction, assertSteerable, type Mask } from '../core/mask';
import { buildTinyModel, camLayerNames } from '../core/model';
import { Trainer } from '../core/trainer';
import { gridFor, gridOf, splitModel, type SplitModel } from '../core/graph';
import type { RunControl } from '../core/steer/control';
import { trainingPool } from '../core/steer/plan';
import { DivergenceError, runTraining, type ReadBack } from '../core/steer/run';
import { steerRun, type SteeringOutcome } from '../core/steer/steerRun';
import { fromArtifacts, toArtifacts } from '../core/artifacts';
import { CheckpointStore, type Checkpoint } from './checkpoint';
import type { CurvePoint, DoneMsg, FromWorker, HeatmapFrame, ModelMeta, TrainPhase } from '../protocol/messages';
import { PhotoData } from './photoData';
import { newModelId, ModelRegistry } from './registry';

export interface TrainRequest {
  settings: TrainSettings;
  baseModelId: string | null;
  targetImageId: string;
  mask: Mask;
  name: string;
  /** Multi-target: every listed photo steered toward its own mask (no unmasked half-batch). */
  masks?: Record<string, Mask>;
  /** More photos to stream live heatmaps of (at most 3), with their masks. */
  watch?: Record<string, Mask>;
}

/** Seconds between checkpoints of a steering run. */
const CHECKPOINT_SECONDS = 3;

/** Live tensors and bytes; on GPU backends the bytes held on the GPU. */
function memoryNow(): { tensors: number; bytes: number } {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return { tensors: m.numTensors, bytes: m.numBytesInGPU ?? m.numBytes };
}

type Grid = { h: number; w: number };

/** Worker-side state that outlives one run: images, the labelled data made from them, the model library. */
export class Session {
  readonly images = new Map<string, ImageBitmap>();
  readonly registry: ModelRegistry;
  readonly data = new PhotoData(this.images);

  readonly checkpoints = new CheckpointStore((message) => this.post({ type: 'storage', persistent: false, message }));
  /** Test-split references: never trained on, except a steering run's own target photo. */
  testIds: Set<string> | null = null;
  /** Validation-split references: their SRCC is tracked while steering. */
  valIds: Set<string> | null = null;

  constructor(private readonly post: (msg: FromWorker) => void) {
    this.registry = new ModelRegistry((models) => post({ type: 'models', models }));
  }

  setImages(images: { id: string; bitmap: ImageBitmap }[]): void {
    for (const b of this.images.values()) b.close();
    this.images.clear();
    for (const im of images) this.images.set(im.id, im.bitmap);
    this.data.clear();
  }

  private progress = (done: number, total: number, message: string) =>
    this.post({ type: 'progress', phase: 'preparing', step: done, total, losses: null, stepsPerSec: 0, message });

  /** Loaded validation photos (the quality guard's), sorted. */
  validationIds(): string[] {
    return this.inSplit(this.valIds);
  }

  /** Loaded photos of a split (none when there is no split). */
  private inSplit(ids: Set<string> | null): string[] {
    return [...this.images.keys()].filter((id) => ids?.has(id)).sort();
  }

  private warn(message: string | null): void {
    if (message) this.post({ type: 'storage', persistent: false, message });
  }

  /** Runs a steering request; with `resume`, continues an interrupted run from its checkpoint. */
  async run(req: TrainRequest, control: RunControl, resume?: Checkpoint): Promise<void> {
    try {
      await this.runSteering(req, control, resume);
    } finally {
      // a lost device fails the step before its `lost` promise settles: let it settle first
      await new Promise((r) => setTimeout(r, 50));
      if (!control.keepCheckpoint) await this.checkpoints.clear();
    }
  }

  private async runSteering(req: TrainRequest, control: RunControl, resume?: Checkpoint): Promise<void> {
    const { settings, targetImageId, mask } = req;
    if (settings.lambda > 0) for (const m of [mask, ...Object.values(req.masks ?? {})]) assertSteerable(m);
    if (!this.images.has(targetImageId)) throw new Error(`Image "${targetImageId}" is not loaded`);
    const t0 = performance.now();

    let baseId = req.baseModelId && this.registry.has(req.baseModelId) ? req.baseModelId : null;
    if (!baseId) {
      baseId = await this.trainBaseline(settings, control);
      if (!baseId) return this.finish(true, 0, t0, null);
    }
    const baseMeta = this.registry.meta(baseId);
    const layerName = settings.targetLayer && (baseMeta.camLayers ?? []).includes(settings.targetLayer) ? settings.targetLayer : baseMeta.layerName;
    const model = resume ? await fromArtifacts(resume.artifacts) : await this.registry.copy(baseId);
    const targets: Record<string, Mask> = req.masks ?? { [targetImageId]: mask };
    // replayed for the quality loss: the other training photos (never the test split)
    const replay = req.masks ? [] : [...this.images.keys()].filter((id) => !targets[id] && !this.testIds?.has(id) && !this.valIds?.has(id)).sort();
    const items = await this.data.training(baseMeta, targets, replay, { seed: settings.seed, sharpness: settings.sharpness, grid: (side) => gridFor(model, layerName, side, side) }, this.progress);
    const val = this.inSplit(this.valIds).length ? await this.data.labelled(baseMeta, this.inSplit(this.valIds), settings.seed, 'validation') : null;
    const x = this.data.input(targetImageId, baseMeta);
    const watched = Object.entries(req.watch ?? {})
      .filter(([id]) => id !== targetImageId && this.images.has(id))
      .slice(0, MAX_WATCHED)
      .map(([id, m]) => ({ id, mask: m, x: this.data.input(id, baseMeta) }));
    const curve: CurvePoint[] = resume ? [...resume.curve] : [];
    let saved = false;
    let lastCheckpoint = performance.now();
    const checkpoint = async (step: number) => {
      if (performance.now() - lastCheckpoint < CHECKPOINT_SECONDS * 1000) return;
      lastCheckpoint = performance.now();
      const artifacts = await toArtifacts(model);
      await this.checkpoints.save({ request: { ...req, baseModelId: baseId }, step, curve: [...curve], artifacts, savedAt: Date.now() });
    };
    // heatmaps come from the whole model on whole photos (the training may start at a frozen cut)
    const live = splitModel(model, layerName, baseMeta.outputIndex);
    try {
      const base = await this.registry.model(baseId);
      this.post({ type: 'heatmap', frame: await this.heatmap(resume ? splitModel(base, layerName, baseMeta.outputIndex) : live, x, mask, 'before', targetImageId, 0) });
      let outcome: SteeringOutcome;
      try {
        outcome = await steerRun({
          model, base, layerName, outputIndex: baseMeta.outputIndex, items, targets: new Set(Object.keys(targets)), exclude: this.testIds, replay: !req.masks, validation: val,
          settings: { ...settings, steps: settings.steerSteps, readEvery: settings.emitEvery },
          startStep: resume?.step ?? 0,
          curve,
          control,
          onProgress: (message) => this.progress(0, 1, message),
          onValidation: (step, srcc, baseSrcc) => this.post({ type: 'validation', step, srcc, base: baseSrcc }),
          onRead: async (r) => {
            this.postProgress('steering', r);
            const frame = await this.heatmap(live, x, mask, 'live', targetImageId, r.step);
            this.post({ type: 'heatmap', frame });
            for (const w of watched) this.post({ type: 'heatmap', frame: await this.heatmap(live, w.x, w.mask, 'watch', w.id, r.step) });
            await checkpoint(r.step);
            return frame.energy;
          },
        });
      } catch (e) {
        if (!(e instanceof DivergenceError) || e.goodStep === 0) throw e;
        // keep what was learnt before the divergence, clearly named, then report it
        this.post({ type: 'heatmap', frame: await this.heatmap(live, x, mask, 'after', targetImageId, e.goodStep) });
        await this.save(req, baseMeta, layerName, model, curve, `${req.name} (rolled back to step ${e.goodStep})`);
        saved = true;
        throw e;
      }
      const { steps, guard } = outcome;
      if (!control.discard) this.post({ type: 'heatmap', frame: await this.heatmap(live, x, mask, 'after', targetImageId, guard ? guard.rolledBackTo : steps) });
      let modelId: string | null = null;
      if (steps > 0 && !control.discard) {
        modelId = await this.save(req, baseMeta, layerName, model, curve, guard ? `${req.name} (guard: rolled back to step ${guard.rolledBackTo})` : req.name);
        saved = true;
      }
      this.finish(control.stopped, steps, t0, modelId, baseId, { guard, quality: control.discard ? null : outcome.quality });
    } finally {
      x.dispose();
      tf.dispose(watched.map((w) => w.x));
      if (!saved) model.dispose();
    }
  }

  /** Adds a steered model to the library (which takes ownership). */
  private async save(req: TrainRequest, base: ModelMeta, layerName: string, model: tf.LayersModel, curve: CurvePoint[], name: string): Promise<string> {
    const id = newModelId();
    const meta: ModelMeta = {
      id, name, kind: 'steered', createdAt: Date.now(), inputSize: base.inputSize, workingSize: base.workingSize, stride: base.stride, layerName, grid: gridOf(model, layerName), camLayers: camLayerNames(model),
      outputs: base.outputs, outputIndex: base.outputIndex, learningRate: base.learningRate, parentId: base.id, settings: req.settings,
      target: { imageId: req.targetImageId, mask: req.mask, area: areaFraction(req.mask) }, curve, metrics: null,
    };
    this.warn(await this.registry.add(meta, model));
    return id;
  }

  private finish(stopped: boolean, steps: number, t0: number, modelId: string | null, baseModelId: string | null = null, outcome: Pick<DoneMsg, 'guard' | 'quality'> = { guard: null, quality: null }): void {
    this.post({ type: 'done', stopped, steps, seconds: (performance.now() - t0) / 1000, modelId, baseModelId, ...outcome });
  }

  /** Trains a tiny model from scratch on quality only and adds it to the library. */
  private async trainBaseline(settings: TrainSettings, control: RunControl): Promise<string | null> {
    const samples = await this.data.squareSamples(settings.inputSize, settings.seed, this.progress);
    const model = buildTinyModel(settings.inputSize, settings.seed, { nonNegativeScore: true });
    const trainer = new Trainer(model, { ...settings, lambda: 0, layerName: TARGET_LAYER, trainable: 'all' });
    const curve: CurvePoint[] = [];
    try {
      const grid = gridOf(model, TARGET_LAYER);
      const next = batchSampler(trainingPool(samples.map((s) => s.refId), this.testIds), settings.batchSize, settings.seed);
      const src = sampleSource(samples, new Map());
      await runTraining(
        trainer,
        { phase: 'baseline', steps: settings.baselineSteps, readEvery: settings.emitEvery },
        { nextBatch: () => batchOf(src, next(), grid), onRead: (r) => this.postProgress('baseline', r), control },
        curve,
      );
    } catch (e) {
      model.dispose();
      throw e;
    } finally {
      trainer.dispose();
    }
    if (control.stopped) {
      model.dispose();
      return null;
    }
    const id = newModelId();
    const meta: ModelMeta = {
      id, name: `Baseline · tiny ${settings.inputSize}px · seed ${settings.seed}`, kind: 'baseline', createdAt: Date.now(),
      inputSize: settings.inputSize, layerName: TARGET_LAYER, grid: gridOf(model, TARGET_LAYER), camLayers: camLayerNames(model), parentId: null, settings: { ...settings, lambda: 0 }, target: null, curve, metrics: null,
    };
    this.warn(await this.registry.add(meta, model));
    return id;
  }

  private postProgress(phase: TrainPhase, r: ReadBack): void {
    this.post({
      type: 'progress', phase, step: r.step, total: r.total, losses: r.losses, stepsPerSec: r.stepsPerSec,
      message: phase === 'baseline' ? 'Training the quality baseline' : 'Steering toward the mask',
      memory: memoryNow(),
    });
  }

  /** The GradCAM of one photo as a frame for the UI (energy against `mask`, score on 0–100). */
  async heatmap(split: SplitModel, x: tf.Tensor4D, mask: Mask, which: HeatmapFrame['which'], imageId: string, step: number): Promise<HeatmapFrame> {
    const { q, map } = computeCam(split, x, 'gradcam');
    const [, h, w] = map.shape;
    const grid: Grid = { h, w };
    const [data, score] = await Promise.all([map.data() as Promise<Float32Array>, q.data()]);
    tf.dispose([q, map]);
    const energy = energyInMask(heatmapAtMaskSize(data, grid.w, grid.h, mask.width, mask.height), mask.data);
    return { imageId, which, step, width: grid.w, height: grid.h, data, energy, score: score[0] * SCORE_SCALE };
  }
}
