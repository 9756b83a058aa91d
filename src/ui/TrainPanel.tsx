import { useEffect } from 'react';
import { client } from '../client/workerClient';
import { useStore, usePick } from '../state/store';
import type { TrainPhase } from '../protocol/messages';
import { ProgressBar } from './ProgressBar';

const PHASE_LABEL: Record<TrainPhase, string> = { preparing: 'Preparing data', baseline: 'Training the quality baseline', steering: 'Steering', pretrain: 'Pretraining' };

function eta(step: number, total: number, stepsPerSec: number): string {
  if (!stepsPerSec || step >= total) return '';
  const s = Math.round((total - step) / stepsPerSec);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s left` : `${s} s left`;
}

export function TrainPanel() {
  const { stage, running, paused, phase, step, total, losses, stepsPerSec, lastRun, interrupted } = usePick('stage', 'running', 'paused', 'phase', 'step', 'total', 'losses', 'stepsPerSec', 'lastRun', 'interrupted');
  const hasPhotos = useStore((s) => s.photos.length > 0 && s.selectedId !== null);
  const canStart = stage === 'ready' && hasPhotos && !running;
  const { models, baseModelId, chooseBase } = usePick('models', 'baseModelId', 'chooseBase');
  const inputSize = useStore((s) => s.settings.inputSize);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement | null)?.closest('input, select, textarea')) return;
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && canStart) client.train();
      if (e.key === ' ' && running) {
        e.preventDefault();
        if (paused) client.resume();
        else client.pause();
      }
      if (e.key === 'Escape' && running) client.stop();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canStart, running, paused]);

  const barLabel = running
    ? `Fine-tune${paused ? ' (paused)' : ''} · ${phase ? PHASE_LABEL[phase].toLowerCase() : 'starting'}${total ? ` ${step}/${total}` : ''}`
    : lastRun
      ? `Fine-tune · last run: ${lastRun.steps} steering steps`
      : 'Fine-tune · not started';
  return (
    <div className="panel">
      <div className="panel-head">
        <h2>Fine-tune</h2>
        <div className="buttons">
          <button className="primary" disabled={!canStart} onClick={() => client.train()} data-testid="train-button" title="Ctrl+Enter">
            Fine-tune
          </button>
          <button disabled={!running} onClick={() => (paused ? client.resume() : client.pause())} data-testid="pause-button" title="Space">
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button disabled={!running} onClick={() => client.stop()} data-testid="stop-button" title="Esc">
            Stop
          </button>
          <button disabled={!running && !lastRun} onClick={() => client.resetToBaseline()} data-testid="reset-button" title="Stop without keeping the steered model and show the baseline again">
            Reset to baseline
          </button>
        </div>
      </div>
      {interrupted && !running && (
        <div className="notice" data-testid="interrupted">
          <span>
            An interrupted run was saved at step {interrupted.step} of {interrupted.total}: <b>{interrupted.name}</b> ({new Date(interrupted.savedAt).toLocaleTimeString()}).
          </span>
          <button className="small primary" disabled={stage !== 'ready'} onClick={() => client.resumeInterrupted()} data-testid="resume-interrupted">Resume</button>
          <button className="small" onClick={() => client.discardInterrupted()} data-testid="discard-interrupted">Discard</button>
        </div>
      )}
      <label className="inline base-pick" title="The model steering starts from. A new baseline is a tiny CNN trained here on quality only first.">
        Start from{' '}
        <select value={baseModelId ?? ''} disabled={running} onChange={(e) => chooseBase(e.target.value || null)} data-testid="base-select">
          <option value="">New baseline (tiny CNN, {inputSize} px)</option>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <ProgressBar label={barLabel} value={running ? step : lastRun ? 1 : 0} max={running ? total : 1} testId="progress" />
      <div className="status-line" data-testid="train-status" data-running={String(running)} data-phase={phase ?? ''} data-step={step}>
        {running ? (
          <>
            {paused ? 'Paused · ' : ''}
            {phase ? PHASE_LABEL[phase] : ''} {total ? `${step}/${total}` : ''}
            {stepsPerSec > 0 && ` · ${stepsPerSec.toFixed(2)} steps/s`} {eta(step, total, stepsPerSec) && ` · ${eta(step, total, stepsPerSec)}`}
          </>
        ) : lastRun ? (
          <span data-testid="run-done">
            {lastRun.stopped ? 'Stopped' : 'Done'} after {lastRun.steps} steering steps in {lastRun.seconds.toFixed(1)} s.
            {lastRun.quality && ' The quality verdict is under the images.'}
          </span>
        ) : stage === 'ready' ? (
          'Pick a photo and a target region, then press Fine-tune.'
        ) : (
          'Starting the training worker…'
        )}
      </div>
      {losses && (
        <div className="losses" data-testid="losses">
          <span>total <b>{losses.total.toFixed(4)}</b></span>
          <span>task <b>{losses.task.toFixed(4)}</b></span>
          <span>CAM <b>{losses.cam.toFixed(4)}</b></span>
        </div>
      )}
    </div>
  );
}
