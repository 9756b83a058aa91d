import { useStore, type AppState } from '../state/store';

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/** What the quality guard did, in a sentence. */
function verdictOf(run: NonNullable<AppState['lastRun']>, ok: boolean): string {
  const q = run.quality!;
  if (run.guard?.rolledBackTo === 0) {
    return `The quality guard stopped the run at its first check (step ${run.guard.step}: validation SRCC ${run.guard.value.toFixed(3)}, more than ${q.tolerance} below the base's) and rolled it back to the start: nothing of the steering was kept. Try a smaller learning rate or lambda.`;
  }
  if (run.guard) {
    return `The quality guard stopped the run at step ${run.guard.step}: validation SRCC had fallen to ${run.guard.value.toFixed(3)}, more than ${q.tolerance} below the base's, so the model was rolled back to step ${run.guard.rolledBackTo}, its last point within the guard.`;
  }
  return ok
    ? `The steered model still ranks image quality as its base did: within the guard's tolerance of ${q.tolerance}.`
    : `Quality fell by more than the guard's tolerance of ${q.tolerance} after its last check: try fewer steps or a smaller learning rate or lambda.`;
}

/**
 * After a run: the steered model's validation SRCC beside its base's, the change, and the
 * quality guard's verdict in words (data-* attributes carry the numbers for the browser tests).
 */
export function QualityVerdict() {
  const run = useStore((s) => s.lastRun);
  const running = useStore((s) => s.running);
  if (running || !run?.quality) return null;
  const q = run.quality;
  const change = q.steered - q.base;
  const ok = change >= -q.tolerance;
  return (
    <div
      className={`quality-verdict ${ok && run.guard?.rolledBackTo !== 0 ? 'ok' : 'bad'}`}
      role="status"
      data-testid="quality-verdict"
      data-change={String(change)}
      data-base={String(q.base)}
      data-steered={String(q.steered)}
      data-tolerance={String(q.tolerance)}
      data-guard={run.guard ? 'stopped' : 'ok'}
      data-kept={String(ok)}
    >
      <b>{run.guard?.rolledBackTo === 0 ? 'Nothing steered' : ok ? 'Quality kept' : 'Quality lost'}</b>: validation SRCC {q.base.toFixed(3)} (base) → <b>{q.steered.toFixed(3)}</b> (steered),{' '}
      <b>{signed(change)}</b>. {verdictOf(run, ok)}
    </div>
  );
}
