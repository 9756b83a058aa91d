/**
 * The one message protocol between the UI (client/) and the training worker (worker/).
 * Discriminated unions on `type`; both sides switch exhaustively.
 */
import type { AlignmentScores } from '../core/alignment';
import type { AuditReport } from '../core/audit/runAudit';
import type { CamMethod } from '../core/camMethods';
import type { TrainSettings } from '../core/config';
import type { Mask } from '../core/mask';
import type { CurvePoint, Losses as LossReadout, TrainPhase } from '../core/steer/run';
import type { TestHookMessage } from './testHooks';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** For WebGPU: whether the adapter is a software (fallback) one. Null for other backends. */
  fallbackAdapter: boolean | null;
  /** Adapter or renderer description, when the backend reports it. */
  adapter: string;
  /** Why this backend was chosen, and why earlier ones in the order were not. */
  reasons: string[];
}

export interface ImagePayload {
  id: string;
  name: string;
  bitmap: ImageBitmap;
}

/** A CAM map at feature resolution (row-major h x w, after ReLU, not normalised). */
export interface HeatmapFrame {
  imageId: string;
  /** before/after/live: the target photo; watch: another watched photo during steering. */
  which: 'before' | 'after' | 'live' | 'watch';
  step: number;
  width: number;
  height: number;
  data: Float32Array;
  /** Energy-in-mask of the map (ReLU, upsampled to the mask, min-max normalised). */
  energy: number;
  /** Predicted quality on 0–100. */
  score: number;
}

export type { CurvePoint, TrainPhase } from '../core/steer/run';
export type { Losses as LossReadout } from '../core/steer/run';

export type ModelKind = 'baseline' | 'steered' | 'shipped' | 'imported';

export interface QualityMetrics {
  srcc: number;
  plcc: number;
  krcc: number;
  /** Number of images scored. */
  n: number;
}

/**
 * Alignment of one CAM method averaged over images, with the mask area as chance level and
 * what the layer's grid allows (core/alignment gridBound; absent in metrics saved before it).
 */
export interface MethodAlignment extends AlignmentScores {
  chance: number;
  images: number;
  exactFit?: number;
  bestCell?: number;
}

export interface ModelMetrics {
  quality: QualityMetrics | null;
  alignment: Partial<Record<CamMethod, MethodAlignment>>;
  /** What the metrics were computed on, in words. */
  basis: string;
}

/** Everything the library keeps about a model besides its weights. */
export interface ModelMeta {
  id: string;
  name: string;
  kind: ModelKind;
  createdAt: number;
  /** Side of the square input, or null: a fully convolutional model that judges photos whole at `workingSize`. */
  inputSize: number | null;
  /** The long side a fully convolutional model judges a photo at (its metadata's protocol). */
  workingSize?: number;
  layerName: string;
  /** The target layer's feature grid (a square-input model's; a fully convolutional one's follows the photo: see `stride`). */
  grid?: { h: number; w: number };
  /** A fully convolutional model's input pixels per grid cell at the target layer. */
  stride?: number;
  /** Layers with a spatial output a CAM can target, in graph order. */
  camLayers?: string[];
  /** Output units (1 for a quality score, C for a classifier) and the one explained and steered. */
  outputs?: number;
  outputIndex?: number;
  /** Learning rate to steer this model at (camsteer.fineTune.learningRate in its metadata); chosen as base, it sets the setting. */
  learningRate?: number;
  /** The file an imported model came from (its name, settings and metrics come from the file's metadata when CamSteer exported it). */
  importedFrom?: string;
  parentId: string | null;
  settings: TrainSettings | null;
  /** The steering target: the photo and the mask the model was steered toward. */
  target: { imageId: string; mask: Mask; area: number } | null;
  curve: CurvePoint[];
  metrics: ModelMetrics | null;
}

export type ToWorker =
  | { type: 'init'; backend: BackendChoice; /** absolute URL of the app's root, for shipped models */ baseUrl: string }
  | { type: 'setImages'; images: ImagePayload[] }
  | {
      type: 'train'; settings: TrainSettings; baseModelId: string | null; targetImageId: string; mask: Mask; name: string;
      /** Steer every photo listed toward its own mask (the reproduction); `targetImageId` is then the watched one. */
      masks?: Record<string, Mask>;
      /** Up to 3 more photos whose heatmaps stream live, with the masks to measure them against. */
      watch?: Record<string, Mask>;
    }
  | { type: 'renameModel'; id: string; name: string }
  /** Which layer and output unit of a model the CAMs explain (imported models). */
  | { type: 'configureModel'; id: string; layerName: string; outputIndex: number }
  | { type: 'deleteModel'; id: string }
  | { type: 'duplicateModel'; id: string }
  | { type: 'exportModel'; id: string }
  | { type: 'importModel'; fileName: string; data: ArrayBuffer }
  | {
      type: 'evaluate'; requestId: number; modelIds: string[]; imageIds: string[]; method: CamMethod; masks: Record<string, Mask>;
      /** Per-model masks (each model against its own target), overriding `masks`. */
      masksByModel?: Record<string, Record<string, Mask>>;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Stop between steps; `discard` drops the run's model instead of saving it (reset to baseline). */
  | { type: 'stop'; discard?: boolean }
  | { type: 'audit'; requestId: number; modelId: string; imageIds: string[] }
  /** Predicted score next to the label for a photo and its distorted copies. */
  | { type: 'scores'; requestId: number; modelId: string; imageId: string }
  | { type: 'resumeRun' }
  | { type: 'discardRun' }
  /** The spectral-residual saliency of a loaded photo (the salient preset's map), computed in the worker. */
  | { type: 'saliency'; requestId: number; imageId: string }
  /**
   * See before you train: the model's GradCAM of a photo against a mask (a 'before' frame), then
   * its validation SRCC (cached per model). A request overtaken by a newer one is dropped.
   */
  | { type: 'preview'; requestId: number; modelId: string; imageId: string; mask: Mask; /** the layer steering would use (settings.targetLayer); the model's own when absent or not a CAM layer */ layerName?: string }
  /** Fault injection; handled only in test builds (protocol/testHooks.ts). */
  | TestHookMessage;

export type LifecycleStage = 'checking' | 'loading' | 'warming' | 'ready';

export type FromWorker =
  | { type: 'lifecycle'; stage: LifecycleStage; message: string }
  | { type: 'backend'; info: BackendInfo }
  | { type: 'imagesLoaded'; ids: string[] }
  | {
      type: 'progress'; phase: TrainPhase; step: number; total: number; losses: LossReadout | null; stepsPerSec: number; message: string;
      /** tf.memory() at this read-back: live tensors and bytes (GPU bytes on WebGPU/WebGL). */
      memory?: { tensors: number; bytes: number };
    }
  /** SRCC on the validation photos' distorted copies, before and every few read-backs while steering, beside the base model's. */
  | { type: 'validation'; step: number; srcc: number; base: number }
  | { type: 'heatmap'; frame: HeatmapFrame }
  | { type: 'paused'; paused: boolean }
  | DoneMsg
  | { type: 'models'; models: ModelMeta[] }
  | { type: 'storage'; persistent: boolean; message: string }
  | { type: 'modelZip'; id: string; fileName: string; data: Uint8Array }
  | { type: 'cell'; requestId: number; cell: CompareCell }
  | { type: 'evalProgress'; requestId: number; done: number; total: number }
  | { type: 'evaluation'; requestId: number; modelId: string; metrics: ModelMetrics }
  | { type: 'error'; code: ErrorCode; message: string }
  | { type: 'auditProgress'; requestId: number; phase: string; fraction: number }
  | { type: 'auditReport'; requestId: number; modelId: string; imageIds: string[]; report: AuditReport }
  | { type: 'scores'; requestId: number; modelId: string; imageId: string; rows: ScoreRow[] }
  /** An interrupted steering run that can be resumed (null: none). */
  | { type: 'checkpoint'; info: CheckpointInfo | null }
  /** The GPU device is gone; the worker cannot compute any more and must be replaced. */
  | { type: 'deviceLost'; backend: BackendName; reason: string }
  /** A saliency map at MASK_SIZE with the threshold that keeps the photo's most salient fifth, or why it failed. */
  | { type: 'saliency'; requestId: number; imageId: string; result: { map: Mask; suggested: number } | { error: string } }
  /** The split by reference photo (public/data/splits.json) the worker read at start; null when it is missing. */
  | { type: 'splits'; splits: Splits | null }
  /** The answer to a preview request: the model's heatmap of the photo (which: 'before'). */
  | { type: 'preview'; requestId: number; modelId: string; frame: HeatmapFrame }
  /** A model's SRCC on the validation photos' distorted copies, as the quality guard measures it; null without validation photos. */
  | { type: 'baseQuality'; modelId: string; srcc: number | null; images: number }
  /** A model file was imported into the library under this id. */
  | { type: 'imported'; id: string };

export interface Splits {
  train: string[];
  val: string[];
  test: string[];
}

/** The end of a run. */
export interface DoneMsg {
  type: 'done';
  stopped: boolean;
  steps: number;
  seconds: number;
  modelId: string | null;
  /** The model the run started from. */
  baseModelId: string | null;
  /** The quality guard's stop, when it stopped the run (core/steer/run GuardTrip). */
  guard?: { step: number; value: number; rolledBackTo: number } | null;
  /** Validation SRCC of the base and the saved model, and the guard's tolerance. */
  quality?: { base: number; steered: number; tolerance: number } | null;
}

export interface ScoreRow {
  distortion: string | null;
  level: number;
  label: number;
  predicted: number;
}

export interface CheckpointInfo {
  name: string;
  step: number;
  total: number;
  savedAt: number;
}

/** One cell of the compare grid: a model's CAM map of one image. */
export interface CompareCell {
  modelId: string;
  imageId: string;
  method: CamMethod;
  width: number;
  height: number;
  data: Float32Array;
  score: number;
  alignment: AlignmentScores;
}

export type ErrorCode = 'backend' | 'bad-input' | 'empty-mask' | 'non-finite' | 'training' | 'storage' | 'import' | 'internal';

/** Every Transferable buffer inside a message from the worker (heatmap arrays). */
export function transfersOf(msg: FromWorker): Transferable[] {
  if (msg.type === 'heatmap' || msg.type === 'preview') return [msg.frame.data.buffer as ArrayBuffer];
  if (msg.type === 'cell') return [msg.cell.data.buffer as ArrayBuffer];
  if (msg.type === 'modelZip') return [msg.data.buffer as ArrayBuffer];
  return [];
}
