/** The audit's public API: `runAudit` for a report, `auditVerdict` to compare with a baseline. */
export { AUDIT_DEFAULTS, AUDIT_THRESHOLDS, type AuditOptions, type OcclusionFill, type ResolvedAuditOptions } from './config';
export { deletionInsertion, stepCounts, type CurveOptions, type CurvePair, type DeletionResult } from './deletion';
export { cellIndexMap, mapToGrid, poolToGrid, rankCells, spearmanMaps, ssim2d, SSIM_CONSTANTS, topFractionMask, trapezoidAuc } from './maps';
export { occlusionAgreement, occlusionSensitivity, patchStarts, type OcclusionAgreement, type OcclusionOptions, type OcclusionResult } from './occlusion';
export { blurImages, meanImages, modelScorer, type Scorer } from './perturb';
export { AuditCancelledError, type AuditPhase, type AuditProgress, type CancelCheck, type ProgressCallback } from './progress';
export {
  camExplainer,
  cascadeCheckpoints,
  cascadingRandomization,
  randomizableLayers,
  reinitializeLayer,
  type Explainer,
  type ExplainerFactory,
  type RandomizationResult,
  type RandomizationStep,
} from './randomization';
export { AuditInputError, resolveAuditOptions, runAudit, type AuditReport, type CurveStats, type MethodAgreement } from './runAudit';
export { auditVerdict, methodVerdict, type AuditSummary, type AuditThresholds, type AuditVerdict, type MethodSummary, type MethodVerdict, type VerdictLevel } from './verdict';
