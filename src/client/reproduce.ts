import { EXPERIMENT_STEERING } from '../core/config';
import type { Mask } from '../core/mask';
import { buildPreset, DEFAULT_FONT_SIZE, DEFAULT_TEXT } from '../core/maskPresets';
import type { ModelMeta, ModelMetrics } from '../protocol/messages';
import { useStore, type ReproKind } from '../state/store';
import { client } from './workerClient';

/** The documented settings of the one-click reproduction (README, "Reproduce the experiment"). */
export const REPRO_SETTINGS = { steerSteps: 150, learningRate: 2e-3, batchSize: 8, emitEvery: 10 } as const;
export const REPRO_KINDS: ReproKind[] = ['baseline', 'salient', 'corners', 'VG'];

/** Each kind's CAM loss weight and target sharpness, as camsteer reproduce trains it (the baseline: lambda 0). */
export const REPRO_TARGETS: Record<ReproKind, { lambda: number; sharpness: number }> = {
  baseline: { lambda: 0, sharpness: 1 },
  salient: EXPERIMENT_STEERING.salient,
  corners: EXPERIMENT_STEERING.corners,
  VG: EXPERIMENT_STEERING.vg,
};

/** The reproduction's learning rate: the base model's recommended one (shipped MobileNetV2: 3e-4), else REPRO_SETTINGS'. */
export const reproLearningRate = (base: Pick<ModelMeta, 'learningRate'> | undefined): number => base?.learningRate ?? REPRO_SETTINGS.learningRate;

/** Each steered kind's mask for each photo: salient (the most salient fifth by spectral residual, as the preset starts), corners, "VG". */
export async function reproMasks(kind: Exclude<ReproKind, 'baseline'>, imageIds: string[]): Promise<Record<string, Mask>> {
  const out: Record<string, Mask> = {};
  for (const id of imageIds) {
    if (kind === 'corners') out[id] = buildPreset({ kind: 'corners', size: 0.25 });
    else if (kind === 'VG') out[id] = buildPreset({ kind: 'text', text: DEFAULT_TEXT, fontSize: DEFAULT_FONT_SIZE });
    else {
      const sal = await client.saliency(id);
      out[id] = buildPreset({ kind: 'salient', threshold: sal.suggested }, { saliency: sal.map });
    }
  }
  return out;
}

export interface ReproRow {
  kind: Exclude<ReproKind, 'baseline'>;
  steered: ModelMetrics;
  baseline: ModelMetrics;
}

let cancelled = false;

export function cancelReproduction(): void {
  cancelled = true;
  if (useStore.getState().running) client.stop();
}

/**
 * Trains the four models of the experiment in a row — a baseline fine-tuned without the
 * GradCAM loss, and models steered toward salient regions, the corners and "VG" — on the
 * training split, from the current base (a new baseline first when there is none).
 */
export async function reproduce(): Promise<void> {
  const s = useStore.getState();
  cancelled = false;
  s.setRepro(null);
  s.setRepro({ running: true, current: null, index: 0, error: null });
  try {
    const splits = s.splits;
    if (!splits) throw new Error('The split file data/splits.json is missing.');
    const loaded = new Set(s.photos.map((p) => p.id));
    const train = splits.train.filter((id) => loaded.has(id));
    const test = splits.test.filter((id) => loaded.has(id));
    if (!train.length || !test.length) throw new Error('The bundled training and test photos are not loaded.');
    let baseModelId = s.baseModelId;
    const models: { kind: ReproKind; modelId: string }[] = [];
    for (const [index, kind] of REPRO_KINDS.entries()) {
      if (cancelled) break;
      useStore.getState().setRepro({ current: kind, index });
      const masks = await reproMasks(kind === 'baseline' ? 'corners' : kind, train);
      const done = await client.trainWith({
        settings: {
          ...useStore.getState().settings,
          ...REPRO_SETTINGS,
          learningRate: reproLearningRate(useStore.getState().models.find((m) => m.id === baseModelId)),
          ...REPRO_TARGETS[kind],
        },
        baseModelId,
        targetImageId: train[0],
        mask: masks[train[0]],
        masks,
        name: `Reproduction · ${kind === 'baseline' ? 'baseline (lambda 0)' : kind}`,
      });
      baseModelId = done.baseModelId;
      if (done.stopped || !done.modelId) break;
      models.push({ kind, modelId: done.modelId });
      useStore.getState().setRepro({ models: [...models] });
    }
    if (models.length === REPRO_KINDS.length) {
      const testMasks: Partial<Record<ReproKind, Record<string, Mask>>> = {};
      for (const kind of ['salient', 'corners', 'VG'] as const) testMasks[kind] = await reproMasks(kind, test);
      useStore.getState().setRepro({ testMasks, testImageIds: test });
    }
    useStore.getState().setRepro({ running: false, current: null, error: cancelled ? 'Cancelled.' : null });
  } catch (e) {
    useStore.getState().setRepro({ running: false, current: null, error: (e as Error).message });
  }
}

/** The table: each steered model against its own masks on the test photos, beside the baseline on the same masks. */
export async function reproTable(): Promise<ReproRow[]> {
  const r = useStore.getState().repro;
  if (!r || r.models.length < REPRO_KINDS.length) return [];
  const id = (k: ReproKind) => r.models.find((m) => m.kind === k)!.modelId;
  const rows: ReproRow[] = [];
  for (const kind of ['salient', 'corners', 'VG'] as const) {
    const masks = r.testMasks[kind] ?? (await reproMasks(kind, r.testImageIds));
    const steered = await client.metricsOf([id(kind)], r.testImageIds, { [id(kind)]: masks });
    const baseline = await client.metricsOf([id('baseline')], r.testImageIds, { [id('baseline')]: masks });
    rows.push({ kind, steered: steered[id(kind)], baseline: baseline[id('baseline')] });
  }
  return rows;
}
