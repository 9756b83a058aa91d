import { useState } from 'react';
import { MAX_WATCHED } from '../core/config';
import { areaFraction } from '../core/mask';
import type { HeatmapFrame } from '../protocol/messages';
import { COLORMAPS, type Colormap } from '../core/colormap';
import { currentMask, useStore } from '../state/store';
import { HeatmapCanvas } from './HeatmapCanvas';
import { useImage } from './useImage';
import { WatchStrip } from './WatchStrip';

const BEFORE: HeatmapFrame['which'][] = ['before'];
const AFTER: HeatmapFrame['which'][] = ['after', 'live'];

function Figure({ label, frame, testId }: { label: string; frame: HeatmapFrame | undefined; testId: string }) {
  return (
    <figcaption>
      <b>{label}</b>
      {frame ? (
        <span data-testid={`energy-${testId}`} data-value={frame.energy.toFixed(6)} data-score={frame.score.toFixed(3)}>
          energy in mask <b>{(frame.energy * 100).toFixed(1)}%</b> · score <b>{frame.score.toFixed(1)}</b>
          {frame.which === 'live' && ` · step ${frame.step}`}
        </span>
      ) : (
        <span className="muted">no heatmap yet</span>
      )}
    </figcaption>
  );
}

export function CompareView() {
  const photo = useStore((s) => s.photos.find((p) => p.id === s.selectedId));
  const mask = useStore(currentMask);
  const before = useStore((s) => s.frames.before);
  const after = useStore((s) => s.frames.after ?? s.frames.live);
  const img = useImage(photo?.url);
  const [colormap, setColormap] = useState<Colormap>('jet');
  const [opacity, setOpacity] = useState(0.55);

  return (
    <div className="panel" data-testid="compare">
      <div className="panel-head">
        <h2>GradCAM before and after steering</h2>
        <label className="inline">
          Colormap{' '}
          <select value={colormap} onChange={(e) => setColormap(e.target.value as Colormap)} data-testid="colormap-select">
            {COLORMAPS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          Opacity <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
        </label>
      </div>
      <div className="side-by-side">
        <figure>
          <HeatmapCanvas slots={BEFORE} image={img} mask={mask} colormap={colormap} opacity={opacity} testId="heatmap-before" />
          <Figure label="Baseline" frame={before} testId="before" />
        </figure>
        <figure>
          <HeatmapCanvas slots={AFTER} image={img} mask={mask} colormap={colormap} opacity={opacity} testId="heatmap-after" />
          <Figure label={after?.which === 'live' ? 'Steering (live)' : 'Steered'} frame={after} testId="after" />
        </figure>
      </div>
      <WatchStrip colormap={colormap} opacity={opacity} />
      <p className="muted">
        Photos ticked in the compare grid (up to {MAX_WATCHED}) are watched live while steering. Dashed outline: the target mask. Chance level (mask area): <b data-testid="chance">{(areaFraction(mask) * 100).toFixed(1)}%</b>. Energy in
        mask = share of the heatmap (ReLU, upsampled, min-max normalised) inside the mask.
      </p>
    </div>
  );
}
