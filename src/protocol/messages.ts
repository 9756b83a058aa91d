/**
 * The one message protocol between the UI (client/) and the training worker (worker/).
 * Discriminated unions on `type`; both sides switch exhaustively.
 */
import type { TrainSettings } from '../core/config';
import type { Mask } from '../core/mask';

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
  which: 'before' | 'after' | 'live';
  step: number;
  width: number;
  height: number;
  data: Float32Array;
  /** Energy-in-mask of the map (ReLU, upsampled to the mask, min-max normalised). */
  energy: number;
  /** Predicted quality on 0–100. */
  score: number;
}

export type TrainPhase = 'preparing' | 'baseline' | 'steering';

export interface LossReadout {
  total: number;
  task: number;
  cam: number;
}

export type ToWorker =
  | { type: 'init'; backend: BackendChoice }
  | { type: 'setImages'; images: ImagePayload[] }
  | { type: 'train'; settings: TrainSettings; targetImageId: string; mask: Mask }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type LifecycleStage = 'checking' | 'loading' | 'warming' | 'ready';

export type FromWorker =
  | { type: 'lifecycle'; stage: LifecycleStage; message: string }
  | { type: 'backend'; info: BackendInfo }
  | { type: 'imagesLoaded'; ids: string[] }
  | { type: 'progress'; phase: TrainPhase; step: number; total: number; losses: LossReadout | null; stepsPerSec: number; message: string }
  | { type: 'heatmap'; frame: HeatmapFrame }
  | { type: 'paused'; paused: boolean }
  | { type: 'done'; stopped: boolean; steps: number; seconds: number }
  | { type: 'error'; code: ErrorCode; message: string };

export type ErrorCode = 'backend' | 'bad-input' | 'empty-mask' | 'non-finite' | 'training' | 'internal';

/** Every Transferable buffer inside a message from the worker (heatmap arrays). */
export function transfersOf(msg: FromWorker): Transferable[] {
  return msg.type === 'heatmap' ? [msg.frame.data.buffer as ArrayBuffer] : [];
}
