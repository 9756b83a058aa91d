/**
 * Audit settings and the verdict thresholds, in one place (docs/audit.md explains each).
 * Free of tfjs so the UI can import it.
 */
import type { CamMethod } from '../camMethods';

export type OcclusionFill = 'blur' | 'mean';

/** Options of `runAudit`; every field is optional and falls back to AUDIT_DEFAULTS. */
export interface AuditOptions {
  /** CAM methods to audit. Default: all of CAM_METHODS. */
  methods?: readonly CamMethod[];
  /**
   * Gaussian blur sigma in pixels of the "fully blurred" image (deletion/insertion and the
   * 'blur' occlusion fill). Default: inputSize / 16 (4 px at 64 px, 14 px at 224 px).
   */
  blurSigma?: number;
  /**
   * Rows and columns of the region grid deletion/insertion ranks and removes. Default: the CAM
   * layer's own grid (h x w), so each region is one feature cell.
   */
  deletionGrid?: number;
  /** Points of each curve after the start: region fractions 1/steps, 2/steps, ..., 1. */
  steps?: number;
  /** Random orders averaged into the random baseline (per image). */
  randomOrders?: number;
  /** Side of the occluding square in pixels. Default: round(inputSize / 8). */
  occlusionPatch?: number;
  /** Step of the occluding square in pixels. Default: half the patch (at least 1). */
  occlusionStride?: number;
  /** What the patch is filled with: the blurred image, or the image's per-channel mean. */
  occlusionFill?: OcclusionFill;
  /** Side of the grid on which CAM and occlusion maps are compared. */
  agreementGrid?: number;
  /** The occlusion region for energy overlap: this fraction of the grid's cells with the largest |change|. */
  topFraction?: number;
  /** Most cascade steps evaluated in the randomisation check (evenly spaced over the layers). */
  randomizationSteps?: number;
  /** Images per predict call. */
  batchSize?: number;
  /** Seed of random orders, tie-breaks and re-initialised weights. */
  seed?: number;
  /**
   * Images whose fully blurred score differs from the original by less than this many score
   * points (0–100 scale) have no usable deletion/insertion effect and are left out of its means.
   */
  minScoreChange?: number;
}

/** Every option resolved to a value; `blurSigma`, `deletionGrid`, patch and stride depend on the model and input. */
export interface ResolvedAuditOptions {
  methods: CamMethod[];
  blurSigma: number;
  deletionGrid: [number, number];
  steps: number;
  randomOrders: number;
  occlusionPatch: number;
  occlusionStride: number;
  occlusionFill: OcclusionFill;
  agreementGrid: number;
  topFraction: number;
  randomizationSteps: number;
  batchSize: number;
  seed: number;
  minScoreChange: number;
}

export const AUDIT_DEFAULTS = {
  steps: 16,
  randomOrders: 3,
  occlusionFill: 'blur' as OcclusionFill,
  agreementGrid: 16,
  topFraction: 0.2,
  randomizationSteps: 6,
  batchSize: 32,
  seed: 0,
  minScoreChange: 0.5,
  /** blurSigma = inputSize / blurDivisor */
  blurDivisor: 16,
  /** occlusionPatch = round(inputSize / patchDivisor) */
  patchDivisor: 8,
} as const;

/**
 * Verdict thresholds. A signal "fails" when the stated condition holds; `reference` values come
 * from the baseline model's audit when one is given.
 */
export const AUDIT_THRESHOLDS = {
  /** faithfulness gap (mean of the deletion and insertion AUC gaps to random) below this: no better than random. */
  minFaithfulnessGap: 0.05,
  /** reference gap minus this model's gap above this: much less faithful than the baseline. */
  maxFaithfulnessDrop: 0.1,
  /** Spearman of the CAM with occlusion sensitivity below this: they disagree. */
  minOcclusionSpearman: 0.2,
  /** reference Spearman minus this model's above this: much less agreement than the baseline. */
  maxOcclusionDrop: 0.25,
  /** energy overlap minus chance (the top region's area share) below this: no more than chance. */
  minEnergyLift: 0.05,
  /** after the full cascade, mean |Spearman| with the original map at or above this: the map barely changed. */
  sanityMaxSpearman: 0.5,
  /** after the full cascade, mean SSIM with the original map at or above this: the map barely changed. */
  sanityMaxSsim: 0.5,
} as const;
