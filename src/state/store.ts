import { create, type StateCreator } from 'zustand';
import { persist } from 'zustand/middleware';
import { useShallow } from 'zustand/react/shallow';
import { DEFAULT_SETTINGS, type TrainSettings } from '../core/config';
import type { Mask } from '../core/mask';
import { emptyMask } from '../core/maskOps';
import type { CamMethod } from '../core/camMethods';
import type {
  BackendChoice, BackendInfo, CheckpointInfo, CompareCell, ScoreRow, ErrorCode, HeatmapFrame, LifecycleStage, LossReadout, DoneMsg, ModelMeta, Splits, TrainPhase,
} from '../protocol/messages';
import type { AuditReport } from '../core/audit/runAudit';
import type { Colormap } from '../core/colormap';

export interface PhotoEntry {
  id: string;
  name: string;
  url: string;
  builtIn: boolean;
  credit?: string;
  /** The uploaded file, kept so uploads survive a reload (IndexedDB). */
  blob?: Blob;
}

export interface RuntimeSlice {
  stage: LifecycleStage | 'starting' | 'failed';
  stageMessage: string;
  backend: BackendInfo | null;
  backendChoice: BackendChoice;
  error: { code: ErrorCode | 'worker' | 'input'; message: string } | null;
  view: 'steer' | 'compare' | 'audit';
  setView(view: RuntimeSlice['view']): void;
  setStage(stage: RuntimeSlice['stage'], message: string): void;
  setBackend(info: BackendInfo): void;
  setBackendChoice(choice: BackendChoice): void;
  setError(error: RuntimeSlice['error']): void;
}

export interface PhotosSlice {
  photos: PhotoEntry[];
  selectedId: string | null;
  setPhotos(photos: PhotoEntry[]): void;
  addPhotos(photos: PhotoEntry[]): void;
  select(id: string): void;
}

export type MaskScope = 'shared' | 'perImage';

export interface TargetSlice {
  /** One mask for every image, or a mask per image (falling back to the shared one). */
  maskScope: MaskScope;
  sharedMask: Mask;
  imageMasks: Record<string, Mask>;
  setMaskScope(scope: MaskScope): void;
  /** Sets the mask being edited: the shared one, or the selected image's. */
  setMask(mask: Mask): void;
  setMasks(m: { maskScope: MaskScope; sharedMask: Mask; imageMasks: Record<string, Mask> }): void;
}

/** The mask that applies to an image under the current scope. */
export function maskOf(s: Pick<AppState, 'maskScope' | 'sharedMask' | 'imageMasks'>, imageId: string | null): Mask {
  return (s.maskScope === 'perImage' && imageId && s.imageMasks[imageId]) || s.sharedMask;
}

/** The mask of the selected image (selector). */
export const currentMask = (s: AppState): Mask => maskOf(s, s.selectedId);

/**
 * The learning rate after the base changes from `from` to `to`: the new base's recommended rate
 * (shipped MobileNetV2: 3e-4), else the default when the
 * current rate is the old base's recommendation, untouched; else the user's own rate.
 */
export function learningRateForBase(current: number, from: Pick<ModelMeta, 'learningRate'> | undefined, to: Pick<ModelMeta, 'learningRate'> | undefined): number {
  if (to?.learningRate) return to.learningRate;
  if (from?.learningRate && current === from.learningRate) return DEFAULT_SETTINGS.learningRate;
  return current;
}

type BaseState = Pick<AppState, 'models' | 'baseModelId' | 'settings'>;
const withBase = (s: BaseState, baseModelId: string | null) => {
  const find = (id: string | null) => s.models.find((m) => m.id === id);
  const learningRate = learningRateForBase(s.settings.learningRate, find(s.baseModelId), find(baseModelId));
  return { baseModelId, ...(learningRate !== s.settings.learningRate ? { settings: { ...s.settings, learningRate } } : {}) };
};

export interface SettingsSlice {
  settings: TrainSettings;
  updateSettings(patch: Partial<TrainSettings>): void;
  resetSettings(): void;
}

export interface TrainingSlice {
  running: boolean;
  paused: boolean;
  phase: TrainPhase | null;
  step: number;
  total: number;
  losses: LossReadout | null;
  lossHistory: { phase: TrainPhase; step: number; losses: LossReadout; memory?: { tensors: number; bytes: number } }[];
  stepsPerSec: number;
  progressMessage: string;
  lastRun: { stopped: boolean; steps: number; seconds: number; guard?: DoneMsg['guard']; quality?: DoneMsg['quality'] } | null;
  /** Latest live heatmap of each watched photo (other than the target). */
  watchFrames: Record<string, HeatmapFrame>;
  /** Energy-in-mask of the live heatmap at each read-back of the current run. */
  liveEnergy: { step: number; energy: number }[];
  /** Validation SRCC during steering. */
  valSrcc: { step: number; srcc: number; base: number }[];
  addValSrcc(step: number, srcc: number, base: number): void;
  /** Forgets the last run's steered heatmaps (after "Reset to baseline"). */
  clearSteered(): void;
  /** An interrupted run found at start-up, which can be resumed. */
  interrupted: CheckpointInfo | null;
  setInterrupted(info: CheckpointInfo | null): void;
  /** The split by reference photo, as the worker read it (null: none shipped). */
  splits: Splits | null;
  setSplits(splits: Splits | null): void;
  /** Latest heatmap per slot; canvases subscribe to these outside React rendering. */
  frames: Partial<Record<HeatmapFrame['which'], HeatmapFrame>>;
  /** The newest preview request (the base model's heatmap before training); older answers are dropped. */
  previewRequestId: number;
  /** Which model the 'before' frame of a preview shows. */
  previewModelId: string | null;
  /** Each model's validation SRCC as the quality guard measures it (null: no validation photos). */
  baseQuality: Record<string, { srcc: number | null; images: number }>;
  /** Counts the worker's photo (re)loads: a preview asked for before them would find no photo. */
  imagesVersion: number;
  beginPreview(requestId: number, modelId: string): void;
  /** A preview's heatmap becomes the 'before' frame (while nothing trains); a steered frame of another photo is dropped. */
  setPreview(requestId: number, frame: HeatmapFrame): void;
  /** No base model to preview (a new baseline is trained first): forget the 'before' frame. */
  clearPreview(): void;
  setBaseQuality(modelId: string, q: { srcc: number | null; images: number }): void;
  imagesLoaded(): void;
  startRun(): void;
  setProgress(p: { phase: TrainPhase; step: number; total: number; losses: LossReadout | null; stepsPerSec: number; message: string; memory?: { tensors: number; bytes: number } }): void;
  setPaused(paused: boolean): void;
  setFrame(frame: HeatmapFrame): void;
  finishRun(result: TrainingSlice['lastRun']): void;
}

export interface LibrarySlice {
  models: ModelMeta[];
  storage: { persistent: boolean; message: string } | null;
  /** The model steering starts from; null trains a new baseline first. */
  baseModelId: string | null;
  /** True once the user picked the base themselves (then no default overrides it). */
  baseChosen: boolean;
  chooseBase(id: string | null): void;
  setModels(models: ModelMeta[]): void;
  setStorage(storage: LibrarySlice['storage']): void;
  setBaseModelId(id: string | null): void;
}

export interface CompareSlice {
  compareModelIds: string[];
  compareImageIds: string[];
  camMethod: CamMethod;
  colormap: Colormap;
  opacity: number;
  /** Cells of the latest evaluation, keyed `${modelId}|${imageId}`. */
  cells: Record<string, CompareCell>;
  evalRequestId: number;
  evalProgress: { done: number; total: number } | null;
  /** Predicted scores next to labels for one model and photo (the cell last opened). */
  scoreTable: { modelId: string; imageId: string; rows: ScoreRow[] } | null;
  setScoreTable(t: CompareSlice['scoreTable']): void;
  toggleCompareModel(id: string): void;
  toggleCompareImage(id: string): void;
  setCamMethod(m: CamMethod): void;
  setColormap(c: Colormap): void;
  setOpacity(o: number): void;
  beginEvaluation(requestId: number): void;
  setCell(requestId: number, cell: CompareCell): void;
  setEvalProgress(requestId: number, p: { done: number; total: number } | null): void;
}

export interface AuditSlice {
  auditModelId: string | null;
  auditReferenceId: string | null;
  auditRequestId: number;
  auditProgress: { phase: string; fraction: number } | null;
  /** What became of the last audit when it left no report (cancelled, failed), in words. */
  auditNote: string | null;
  setAuditNote(note: string | null): void;
  /** Latest report per model id (kept for this session). */
  auditReports: Record<string, { report: AuditReport; imageIds: string[] }>;
  setAuditModels(modelId: string | null, referenceId: string | null): void;
  beginAudit(requestId: number): void;
  setAuditProgress(requestId: number, p: { phase: string; fraction: number } | null): void;
  setAuditReport(requestId: number, modelId: string, imageIds: string[], report: AuditReport): void;
}

export type ReproKind = 'baseline' | 'salient' | 'corners' | 'VG';

export interface ReproduceSlice {
  /** The one-click reproduction: which model trains now, and the finished ones. */
  repro: {
    running: boolean;
    current: ReproKind | null;
    index: number;
    models: { kind: ReproKind; modelId: string }[];
    /** Each steered model's masks on the test photos (the baseline is measured on each). */
    testMasks: Partial<Record<ReproKind, Record<string, Mask>>>;
    testImageIds: string[];
    error: string | null;
  } | null;
  setRepro(patch: Partial<NonNullable<ReproduceSlice['repro']>> | null): void;
}

export type AppState = RuntimeSlice & PhotosSlice & TargetSlice & SettingsSlice & TrainingSlice & LibrarySlice & CompareSlice & AuditSlice & ReproduceSlice;
type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

const runtimeSlice: Slice<RuntimeSlice> = (set) => ({
  stage: 'starting',
  stageMessage: 'Starting the training worker',
  backend: null,
  backendChoice: 'auto',
  error: null,
  view: 'steer',
  setView: (view) => set({ view }),
  setStage: (stage, stageMessage) => set({ stage, stageMessage }),
  setBackend: (backend) => set({ backend }),
  setBackendChoice: (backendChoice) => set({ backendChoice }),
  setError: (error) => set({ error }),
});

const photosSlice: Slice<PhotosSlice> = (set) => ({
  photos: [],
  selectedId: null,
  setPhotos: (photos) => set((s) => ({ photos, selectedId: photos.some((p) => p.id === s.selectedId) ? s.selectedId : (photos[0]?.id ?? null) })),
  addPhotos: (added) => set((s) => ({ photos: [...s.photos, ...added], selectedId: added[0]?.id ?? s.selectedId })),
  select: (selectedId) => set({ selectedId }),
});

const targetSlice: Slice<TargetSlice> = (set) => ({
  maskScope: 'shared',
  // a new user starts with nothing: the first region drawn is the target (no preset to clear first)
  sharedMask: emptyMask(),
  imageMasks: {},
  setMaskScope: (maskScope) => set({ maskScope }),
  setMask: (mask) =>
    set((s) => (s.maskScope === 'perImage' && s.selectedId ? { imageMasks: { ...s.imageMasks, [s.selectedId]: mask } } : { sharedMask: mask })),
  setMasks: (m) => set(m),
});

const settingsSlice: Slice<SettingsSlice> = (set) => ({
  settings: DEFAULT_SETTINGS,
  updateSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  resetSettings: () => set({ settings: DEFAULT_SETTINGS }),
});

const trainingSlice: Slice<TrainingSlice> = (set) => ({
  running: false,
  paused: false,
  phase: null,
  step: 0,
  total: 0,
  losses: null,
  lossHistory: [],
  stepsPerSec: 0,
  progressMessage: '',
  lastRun: null,
  frames: {},
  previewRequestId: 0,
  previewModelId: null,
  baseQuality: {},
  imagesVersion: 0,
  beginPreview: (previewRequestId, previewModelId) => set({ previewRequestId, previewModelId }),
  setPreview: (requestId, frame) =>
    set((s) => {
      if (requestId !== s.previewRequestId || s.running) return {};
      const steered = s.frames.after ?? s.frames.live;
      return { frames: steered && steered.imageId !== frame.imageId ? { before: frame } : { ...s.frames, before: frame } };
    }),
  clearPreview: () =>
    set((s) => {
      if (s.running || !s.frames.before) return { previewModelId: null };
      return { frames: { ...s.frames, before: undefined }, previewModelId: null };
    }),
  setBaseQuality: (modelId, q) => set((s) => ({ baseQuality: { ...s.baseQuality, [modelId]: q } })),
  imagesLoaded: () => set((s) => ({ imagesVersion: s.imagesVersion + 1 })),
  interrupted: null,
  splits: null,
  liveEnergy: [],
  valSrcc: [],
  addValSrcc: (step, srcc, base) => set((s) => ({ valSrcc: [...s.valSrcc, { step, srcc, base }] })),
  clearSteered: () => set((s) => ({ frames: { before: s.frames.before }, watchFrames: {}, lastRun: null })),
  watchFrames: {},
  setInterrupted: (interrupted) => set({ interrupted }),
  setSplits: (splits) => set({ splits }),
  startRun: () =>
    set({ running: true, paused: false, phase: 'preparing', step: 0, total: 0, losses: null, lossHistory: [], liveEnergy: [], valSrcc: [], watchFrames: {}, lastRun: null, frames: {}, error: null, progressMessage: 'Starting' }),
  setProgress: (p) =>
    set((s) => ({
      phase: p.phase,
      step: p.step,
      total: p.total,
      losses: p.losses ?? s.losses,
      stepsPerSec: p.stepsPerSec,
      progressMessage: p.message,
      lossHistory: p.losses ? [...s.lossHistory, { phase: p.phase, step: p.step, losses: p.losses, memory: p.memory }] : s.lossHistory,
    })),
  setPaused: (paused) => set({ paused }),
  setFrame: (frame) =>
    set((s) =>
      frame.which === 'watch'
        ? { watchFrames: { ...s.watchFrames, [frame.imageId]: frame } }
        : {
            frames: { ...s.frames, [frame.which]: frame },
            liveEnergy: frame.which === 'live' ? [...s.liveEnergy, { step: frame.step, energy: frame.energy }] : s.liveEnergy,
          },
    ),
  finishRun: (lastRun) => set({ running: false, paused: false, lastRun }),
});

const librarySlice: Slice<LibrarySlice> = (set) => ({
  models: [],
  storage: null,
  baseModelId: null,
  baseChosen: false,
  chooseBase: (baseModelId) => set((s) => ({ ...withBase(s, baseModelId), baseChosen: true })),
  setModels: (models) =>
    set((s) => ({
      models,
      baseModelId: models.some((m) => m.id === s.baseModelId) ? s.baseModelId : null,
      compareModelIds: s.compareModelIds.filter((id) => models.some((m) => m.id === id)),
    })),
  setStorage: (storage) => set({ storage }),
  setBaseModelId: (baseModelId) => set((s) => withBase(s, baseModelId)),
});

const toggle = (list: string[], id: string) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);

const compareSlice: Slice<CompareSlice> = (set) => ({
  compareModelIds: [],
  compareImageIds: [],
  camMethod: 'gradcam',
  colormap: 'jet',
  opacity: 0.55,
  cells: {},
  evalRequestId: 0,
  evalProgress: null,
  scoreTable: null,
  setScoreTable: (scoreTable) => set({ scoreTable }),
  toggleCompareModel: (id) => set((s) => ({ compareModelIds: toggle(s.compareModelIds, id) })),
  toggleCompareImage: (id) => set((s) => ({ compareImageIds: toggle(s.compareImageIds, id) })),
  setCamMethod: (camMethod) => set({ camMethod }),
  setColormap: (colormap) => set({ colormap }),
  setOpacity: (opacity) => set({ opacity }),
  beginEvaluation: (evalRequestId) => set({ evalRequestId, cells: {}, evalProgress: { done: 0, total: 1 } }),
  setCell: (requestId, cell) =>
    set((s) => (requestId === s.evalRequestId ? { cells: { ...s.cells, [`${cell.modelId}|${cell.imageId}`]: cell } } : {})),
  setEvalProgress: (requestId, evalProgress) => set((s) => (requestId === s.evalRequestId ? { evalProgress } : {})),
});

const auditSlice: Slice<AuditSlice> = (set) => ({
  auditModelId: null,
  auditReferenceId: null,
  auditRequestId: 0,
  auditProgress: null,
  auditNote: null,
  setAuditNote: (auditNote) => set({ auditNote }),
  auditReports: {},
  setAuditModels: (auditModelId, auditReferenceId) => set({ auditModelId, auditReferenceId }),
  beginAudit: (auditRequestId) => set({ auditRequestId, auditNote: null, auditProgress: { phase: 'starting', fraction: 0 } }),
  setAuditProgress: (requestId, auditProgress) => set((s) => (requestId === s.auditRequestId ? { auditProgress } : {})),
  setAuditReport: (requestId, modelId, imageIds, report) =>
    set((s) => ({
      auditReports: { ...s.auditReports, [modelId]: { report, imageIds } },
      ...(requestId === s.auditRequestId ? { auditProgress: null, auditNote: null } : {}),
    })),
});

const reproduceSlice: Slice<ReproduceSlice> = (set) => ({
  repro: null,
  setRepro: (patch) =>
    set((s) => ({
      repro: patch === null ? null : { running: false, current: null, index: 0, models: [], testMasks: {}, testImageIds: [], error: null, ...s.repro, ...patch },
    })),
});

export const useStore = create<AppState>()(
  persist(
    (...a) => ({
      ...runtimeSlice(...a), ...photosSlice(...a), ...targetSlice(...a), ...settingsSlice(...a), ...trainingSlice(...a),
      ...librarySlice(...a), ...compareSlice(...a), ...auditSlice(...a), ...reproduceSlice(...a),
    }),
    {
      name: 'camsteer-ui',
      version: 1,
      partialize: (s) => ({
        settings: s.settings, selectedId: s.selectedId, backendChoice: s.backendChoice,
        baseModelId: s.baseModelId, baseChosen: s.baseChosen, compareModelIds: s.compareModelIds, compareImageIds: s.compareImageIds,
        camMethod: s.camMethod, colormap: s.colormap, opacity: s.opacity, view: s.view,
        auditModelId: s.auditModelId, auditReferenceId: s.auditReferenceId,
        // masks are recomputed on demand (Float32Arrays do not survive JSON)
        repro: s.repro && !s.repro.running ? { ...s.repro, testMasks: {} } : null,
      }),
      merge: (persisted, current) => {
        const p = (persisted ?? {}) as Partial<AppState>;
        return { ...current, ...p, settings: { ...DEFAULT_SETTINGS, ...(p.settings ?? {}) } };
      },
    },
  ),
);

/**
 * Several fields of the store in one subscription: the component re-renders only when one of
 * them changes (a shallow comparison of the picked object).
 */
export function usePick<K extends keyof AppState>(...keys: K[]): Pick<AppState, K> {
  return useStore(useShallow((s) => Object.fromEntries(keys.map((k) => [k, s[k]])) as Pick<AppState, K>));
}
