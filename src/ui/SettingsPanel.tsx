import type { TrainSettings } from '../core/config';
import { useStore, usePick } from '../state/store';

type NumKey = { [K in keyof TrainSettings]: TrainSettings[K] extends number ? K : never }[keyof TrainSettings];

/** Settings that shape only a new tiny baseline trained here (Start from: New baseline). */
const NEW_BASELINE_ONLY = new Set<NumKey>(['inputSize', 'baselineSteps']);

const FIELDS: { key: NumKey; label: string; help: string; step: number }[] = [
  { key: 'lambda', label: 'lambda', help: 'Weight of the heatmap loss against the quality loss.', step: 0.1 },
  {
    key: 'sharpness',
    label: 'Target sharpness',
    help: "1: the heatmap is pulled toward the mask as drawn at the layer's grid. Larger: toward the cells the mask covers most (cell / max) ^ P, for thin shapes a coarse grid cannot draw.",
    step: 1,
  },
  { key: 'learningRate', label: 'Learning rate', help: 'Step size of the optimiser. Too large diverges. Choosing a base that names its own rate (the shipped tiny: 1e-4, MobileNetV2: 3e-4) sets it.', step: 0.0005 },
  { key: 'steerSteps', label: 'Steering steps', help: 'Optimisation steps toward the mask.', step: 10 },
  { key: 'baselineSteps', label: 'Baseline steps', help: 'Quality-only training before steering (cached between runs).', step: 10 },
  { key: 'batchSize', label: 'Batch size', help: 'Images per step: half from the chosen photo, half from the others.', step: 1 },
  { key: 'inputSize', label: 'Image size (px)', help: 'Side of the square model input. The heatmap grid is a quarter of it.', step: 4 },
  { key: 'emitEvery', label: 'Update every N steps', help: 'How often losses and the live heatmap are read back.', step: 1 },
  { key: 'seed', label: 'Seed', help: 'Seeds weights, distortions and batch order: same seed, same run.', step: 1 },
];

export function SettingsPanel() {
  const { settings, updateSettings: update, resetSettings: reset, running } = usePick('settings', 'updateSettings', 'resetSettings', 'running');
  const base = useStore((s) => s.models.find((m) => m.id === s.baseModelId));
  const newBaseline = useStore((s) => s.baseModelId === null);
  const layers = base?.camLayers ?? ['conv1', 'conv2', 'cam_target'];
  const defaultLayer = base?.layerName ?? 'cam_target';

  return (
    <div className="panel">
      <div className="panel-head">
        <h2>Settings</h2>
        <button className="small" onClick={reset} disabled={running} data-testid="settings-reset">
          Defaults
        </button>
      </div>
      <div className="settings">
        {FIELDS.map((f) => {
          const inert = NEW_BASELINE_ONLY.has(f.key) && !newBaseline;
          return (
            <label key={f.key} className={`field${inert ? ' inert' : ''}`} title={f.help}>
              <span>{f.label}</span>
              <input
                type="number"
                step={f.step}
                value={settings[f.key]}
                disabled={running || inert}
                onChange={(e) => update({ [f.key]: e.target.valueAsNumber })}
                data-testid={`setting-${f.key}`}
              />
              {inert ? (
                <small data-testid={`setting-${f.key}-note`}>
                  Applies only to a new baseline (Start from: New baseline); {base?.name ?? 'the chosen base'} has its own{f.key === 'inputSize' ? ' input size' : ' training'}.
                </small>
              ) : (
                <small>{f.help}</small>
              )}
            </label>
          );
        })}
        <label className="field" title="Which CAM loss drives steering.">
          <span>CAM loss</span>
          <select value={settings.camLoss} disabled={running} onChange={(e) => update({ camLoss: e.target.value as TrainSettings['camLoss'] })} data-testid="setting-camLoss">
            <option value="mse">MSE to mask</option>
            <option value="outside">Energy outside the mask</option>
            <option value="bce">Binary cross-entropy</option>
          </select>
          <small>How the normalised GradCAM is compared with the mask.</small>
        </label>
        <label className="field" title="Adam adapts step sizes; SGD uses momentum 0.9.">
          <span>Optimiser</span>
          <select value={settings.optimizer} disabled={running} onChange={(e) => update({ optimizer: e.target.value as TrainSettings['optimizer'] })} data-testid="setting-optimizer">
            <option value="adam">Adam</option>
            <option value="sgd">SGD + momentum</option>
          </select>
          <small>Adam adapts step sizes; SGD uses momentum 0.9.</small>
        </label>
        <label className="field" title="Which weights steering updates.">
          <span>Trainable layers</span>
          <select value={settings.trainable} disabled={running} onChange={(e) => update({ trainable: e.target.value as TrainSettings['trainable'] })} data-testid="setting-trainable">
            <option value="all">All layers</option>
            <option value="last">Target layer and after</option>
            <option value="head">Head only (after the target layer)</option>
          </select>
          <small>Head only cannot move GradCAM while alpha is detached: a control experiment.</small>
        </label>
        <label className="field" title="The layer whose activations GradCAM uses and steering moves.">
          <span>Target layer</span>
          <select value={layers.includes(settings.targetLayer) ? settings.targetLayer : ''} disabled={running} onChange={(e) => update({ targetLayer: e.target.value })} data-testid="setting-targetLayer">
            <option value="">Model default ({defaultLayer})</option>
            {layers.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <small>Earlier layers have finer grids; at the last layer with a GAP head, GradCAM, HiResCAM and XGradCAM agree.</small>
        </label>
        <label className="check" title="The method: GradCAM's channel weights are constants in the backward pass.">
          <input type="checkbox" checked={settings.detachAlpha} disabled={running} onChange={(e) => update({ detachAlpha: e.target.checked })} data-testid="setting-detachAlpha" />
          <span>Detach alpha (the method; off adds second-order terms)</span>
        </label>
      </div>
    </div>
  );
}
