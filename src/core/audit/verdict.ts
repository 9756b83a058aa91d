/**
 * The audit's verdict per CAM method (docs/audit.md): three signals, each pass / fail from the
 * thresholds in AUDIT_THRESHOLDS, compared with a reference (baseline) model when one is given.
 *
 * - faithfulness: fails when the faithfulness gap (mean of the deletion and insertion AUC gaps to
 *   random orders) is below minFaithfulnessGap, or more than maxFaithfulnessDrop below the
 *   reference's gap.
 * - occlusion: fails when the Spearman with occlusion sensitivity is below minOcclusionSpearman,
 *   or more than maxOcclusionDrop below the reference's, or the energy overlap exceeds chance by
 *   less than minEnergyLift.
 * - sanity: fails when, after the full cascade, the maps still have mean |Spearman| >=
 *   sanityMaxSpearman or mean SSIM >= sanityMaxSsim with the original ones.
 * Level: "misleading" when faithfulness and occlusion both fail (two independent measurements say
 * the heatmap is not where the score comes from); "questionable" when one of the three fails;
 * else "consistent". A sentence comes with every level but "consistent".
 * Free of tfjs.
 */
import { CAM_METHOD_LABELS, CAM_METHODS, type CamMethod } from '../camMethods';
import { AUDIT_THRESHOLDS } from './config';

/** One method's numbers from an audit: the verdict's input (AuditReport.summary). */
export interface MethodSummary {
  /** Mean deletion / insertion AUC of the method's ranking over the informative images. */
  deletionAuc: number | null;
  insertionAuc: number | null;
  /** Same for the random orders. */
  randomDeletionAuc: number | null;
  randomInsertionAuc: number | null;
  /** Method minus random. */
  deletionGap: number | null;
  insertionGap: number | null;
  /** (deletionGap + insertionGap) / 2. */
  faithfulnessGap: number | null;
  /**
   * Standard error of faithfulnessGap over the informative images (sample std / sqrt(n)); null
   * below 2 images. Not used by the verdict; shows how far the gap is from noise.
   */
  faithfulnessGapSe: number | null;
  /** Mean over images of the Spearman with occlusion sensitivity. */
  occlusionSpearman: number | null;
  /** Mean over images of the CAM energy share in the occlusion top region, and its chance level. */
  occlusionEnergy: number | null;
  occlusionChance: number | null;
  /** Mean |Spearman| and SSIM with the original map after the full randomisation cascade. */
  sanitySpearman: number | null;
  sanitySsim: number | null;
}

export type AuditSummary = Partial<Record<CamMethod, MethodSummary>>;

export type SignalStatus = 'pass' | 'fail' | 'n/a';
export type VerdictLevel = 'consistent' | 'questionable' | 'misleading';

export type FaithfulnessReason = 'no-better-than-random' | 'below-reference';
export type OcclusionReason = 'low-spearman' | 'spearman-below-reference' | 'energy-at-chance';

export interface MethodVerdict {
  method: CamMethod;
  faithfulness: { gap: number | null; reference: number | null; status: SignalStatus; reasons: FaithfulnessReason[] };
  occlusion: {
    spearman: number | null;
    /** occlusionEnergy - occlusionChance */
    energyLift: number | null;
    referenceSpearman: number | null;
    referenceEnergyLift: number | null;
    status: SignalStatus;
    reasons: OcclusionReason[];
  };
  sanity: { spearman: number | null; ssim: number | null; referenceSpearman: number | null; referenceSsim: number | null; status: SignalStatus };
  level: VerdictLevel;
  /** Plain-English finding; null when the level is "consistent". */
  sentence: string | null;
}

export type AuditVerdict = Partial<Record<CamMethod, MethodVerdict>>;

export type AuditThresholds = { readonly [K in keyof typeof AUDIT_THRESHOLDS]: number };

const f2 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
const lift = (s: MethodSummary | undefined) =>
  s && s.occlusionEnergy !== null && s.occlusionChance !== null ? s.occlusionEnergy - s.occlusionChance : null;

/** Verdict of one method; `ref` is the reference model's summary of the same method. */
export function methodVerdict(method: CamMethod, s: MethodSummary, ref?: MethodSummary, t: AuditThresholds = AUDIT_THRESHOLDS): MethodVerdict {
  const label = CAM_METHOD_LABELS[method];
  const refGap = ref?.faithfulnessGap ?? null;

  const fReasons: FaithfulnessReason[] = [];
  const gap = s.faithfulnessGap;
  if (gap !== null) {
    if (gap < t.minFaithfulnessGap) fReasons.push('no-better-than-random');
    if (refGap !== null && refGap - gap > t.maxFaithfulnessDrop) fReasons.push('below-reference');
  }
  const fStatus: SignalStatus = gap === null ? 'n/a' : fReasons.length ? 'fail' : 'pass';

  const oReasons: OcclusionReason[] = [];
  const rho = s.occlusionSpearman;
  const refRho = ref?.occlusionSpearman ?? null;
  const eLift = lift(s);
  if (rho !== null) {
    if (rho < t.minOcclusionSpearman) oReasons.push('low-spearman');
    if (refRho !== null && refRho - rho > t.maxOcclusionDrop) oReasons.push('spearman-below-reference');
  }
  if (eLift !== null && eLift < t.minEnergyLift) oReasons.push('energy-at-chance');
  const oStatus: SignalStatus = rho === null && eLift === null ? 'n/a' : oReasons.length ? 'fail' : 'pass';

  const sRho = s.sanitySpearman;
  const sSsim = s.sanitySsim;
  const sStatus: SignalStatus =
    sRho === null && sSsim === null
      ? 'n/a'
      : (sRho ?? 0) >= t.sanityMaxSpearman || (sSsim ?? 0) >= t.sanityMaxSsim
        ? 'fail'
        : 'pass';

  const level: VerdictLevel =
    fStatus === 'fail' && oStatus === 'fail' ? 'misleading' : fStatus === 'fail' || oStatus === 'fail' || sStatus === 'fail' ? 'questionable' : 'consistent';

  const parts: string[] = [];
  if (fStatus === 'fail') {
    const refText = refGap !== null ? `; baseline ${f2(refGap)}` : '';
    parts.push(
      fReasons.includes('no-better-than-random')
        ? `removing the regions it ranks first moves the score no faster than removing random regions (faithfulness gap ${f2(gap)}${refText})`
        : `removing the regions it ranks first moves the score much less than it does for the baseline (faithfulness gap ${f2(gap)}${refText})`,
    );
  }
  if (oStatus === 'fail') {
    const refText = refRho !== null ? `; baseline ${f2(refRho)}` : '';
    const energyText =
      s.occlusionEnergy !== null && s.occlusionChance !== null
        ? `, and ${f2(s.occlusionEnergy)} of its energy lies in the region occlusion finds most important, against ${f2(s.occlusionChance)} by chance`
        : '';
    parts.push(`it disagrees with occlusion sensitivity, a map made without gradients (Spearman ${f2(rho)}${refText}${energyText})`);
  }
  let sentence: string | null = null;
  if (level === 'misleading') {
    sentence = `${label} is not showing where this model's score comes from: ${parts.join('; ')}.`;
  } else if (parts.length) {
    sentence = `${label} may not show where this model's score comes from: ${parts.join('; ')}.`;
  }
  if (sStatus === 'fail') {
    const finding = `barely changes when the model's weights are randomised (|Spearman| ${f2(sRho)}, SSIM ${f2(sSsim)} with the original map after the full cascade), so it shows the image more than what the model computes.`;
    sentence = sentence ? `${sentence} It also ${finding}` : `${label} ${finding}`;
  }

  return {
    method,
    faithfulness: { gap, reference: refGap, status: fStatus, reasons: fReasons },
    occlusion: { spearman: rho, energyLift: eLift, referenceSpearman: refRho, referenceEnergyLift: lift(ref), status: oStatus, reasons: oReasons },
    sanity: { spearman: sRho, ssim: sSsim, referenceSpearman: ref?.sanitySpearman ?? null, referenceSsim: ref?.sanitySsim ?? null, status: sStatus },
    level,
    sentence,
  };
}

/**
 * Verdict per method for a model's audit summary, with a reference (baseline) model's summary
 * beside it when given: `auditVerdict(steered.summary, baseline.summary)`.
 */
export function auditVerdict(summary: AuditSummary, reference?: AuditSummary, thresholds: AuditThresholds = AUDIT_THRESHOLDS): AuditVerdict {
  const out: AuditVerdict = {};
  for (const m of CAM_METHODS) {
    const s = summary[m];
    if (s) out[m] = methodVerdict(m, s, reference?.[m], thresholds);
  }
  return out;
}
