/**
 * A progress bar that says what it measures ("Fine-tune · steering 30/60", "Compare grid
 * evaluation 12/34 cells", "Audit · occlusion 40%"): the label is shown above the bar and is its
 * accessible name.
 */
export function ProgressBar({ label, value, max, testId }: { label: string; value: number; max: number; testId: string }) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (100 * value) / max)) : 0;
  return (
    <div className="progress-block" data-testid={`${testId}-block`}>
      <div className="progress-label" data-testid={`${testId}-label`}>{label}</div>
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} data-testid={testId}>
        <div className="bar" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
