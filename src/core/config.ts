/** Constants shared by core, worker and UI. One place, so defaults are documented once. */

/** Name of the last conv layer of the tiny model: the default CAM target layer. */
export const TARGET_LAYER = 'cam_target';

/** Model output is quality / SCORE_SCALE; the UI shows scores on 0–100. */
export const SCORE_SCALE = 100;

/** Side of the square working grid every mask is stored at (normalised image coordinates). */
export const MASK_SIZE = 128;

/** Small constant in normalisations and CAM weight formulas. */
export const EPS = 1e-7;

/** Photos besides the target whose heatmaps stream live while steering (the target's makes 4). */
export const MAX_WATCHED = 3;

/**
 * Share of the image the salient preset keeps by default: its most salient fifth (core/saliency
 * suggestedSaliencyThreshold), in the app, the CLI's `salient` mask and the experiment.
 */
export const SALIENT_AREA = 0.2;

/**
 * How the experiment steers each target: CAM loss weight and target sharpness (core/mask
 * gridTarget), in the app's one-click reproduction and in camsteer reproduce (docs/cli.md).
 * - salient: its masks differ per photo, so steering has to change what the features encode, and
 *   that costs quality: lambda 2 gave energy 0.464 at SRCC 0.884, lambda 0.5 gave 0.408 at 0.908
 *   (baseline 0.935).
 * - vg: on MobileNetV2's 6 x 6 grid the letters' area means put at most 0.42 of a heatmap's energy
 *   into the mask, so the target is sharpened; its MSE is then small, so it takes a larger lambda.
 */
export const EXPERIMENT_STEERING = {
  salient: { lambda: 0.5, sharpness: 1 },
  corners: { lambda: 2, sharpness: 1 },
  vg: { lambda: 10, sharpness: 16 },
} as const;

/**
 * How many distorted copies (levels per distortion type) and training crops per copy each kind
 * of photo contributes to a steering run of a fully convolutional model, in the app and in
 * camsteer steer alike.
 */
export const STEERING_DATA = {
  /** The steered photo: three levels per type, two crops each. */
  target: { levelsPerType: 3, cropsPerImage: 2 },
  /** Other training photos, replayed (the base model as their teacher). */
  replay: { levelsPerType: 1, cropsPerImage: 1 },
  /** Validation photos, whose SRCC the quality guard tracks. */
  validation: { levelsPerType: 2, cropsPerImage: 1 },
} as const;

export type CamLossType = 'mse' | 'outside' | 'bce';
/** Which weights steering updates: every layer, the target layer and after, or only after it. */
export type TrainableScope = 'all' | 'last' | 'head';
export type OptimizerType = 'adam' | 'sgd';

export interface TrainSettings {
  /** Side of the square model input, in pixels. */
  inputSize: number;
  /** Steps of the quality-only baseline training (lambda = 0) before steering. */
  baselineSteps: number;
  /** Steps of steering (task loss + lambda x CAM loss). */
  steerSteps: number;
  batchSize: number;
  learningRate: number;
  /** Weight of the CAM loss against the task loss. */
  lambda: number;
  optimizer: OptimizerType;
  camLoss: CamLossType;
  /** Sharpness of the CAM target at the layer's grid (core/mask gridTarget; 1 = the mask's area means). */
  sharpness: number;
  /** Detach GradCAM's alpha from the graph (the method). Off gives the second-order variant. */
  detachAlpha: boolean;
  trainable: TrainableScope;
  /** The CAM target layer; empty = the model's own (its metadata, else its last spatial layer). */
  targetLayer: string;
  /** Emit losses and heatmaps every this many steps (readback is throttled). */
  emitEvery: number;
  seed: number;
}

export const DEFAULT_SETTINGS: TrainSettings = {
  inputSize: 64,
  baselineSteps: 300,
  steerSteps: 60,
  batchSize: 8,
  learningRate: 1e-3,
  lambda: 2,
  optimizer: 'adam',
  camLoss: 'mse',
  sharpness: 1,
  detachAlpha: true,
  trainable: 'all',
  targetLayer: '',
  emitEvery: 5,
  seed: 7,
};

/** Bounds the UI and the worker both enforce on settings. */
export const SETTING_LIMITS = {
  inputSize: { min: 32, max: 224 },
  baselineSteps: { min: 0, max: 5000 },
  steerSteps: { min: 1, max: 5000 },
  batchSize: { min: 1, max: 64 },
  learningRate: { min: 1e-6, max: 10 },
  lambda: { min: 0, max: 1000 },
  sharpness: { min: 1, max: 64 },
  emitEvery: { min: 1, max: 1000 },
} as const;
