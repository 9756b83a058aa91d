import { useMemo, useState } from 'react';
import { MAX_WATCHED } from '../core/config';
import { areaFraction } from '../core/mask';
import type { HeatmapFrame } from '../protocol/messages';
import { COLORMAPS, type Colormap } from '../core/colormap';
import { currentMask, useStore } from '../state/store';
import { HeatmapCanvas } from './HeatmapCanvas';
import { MaskCanvas } from './mask/MaskCanvas';
import { MaskToolbar, studioToolbarProps } from './mask/MaskToolbar';
import { useMaskStudioContext } from './mask/useMaskStudio';
import { QualityVerdict } from './QualityVerdict';
import { useImage } from './useImage';
import { WatchStrip } from './WatchStrip';

const BEFORE: HeatmapFrame['which'][] = ['before'];
const AFTER: HeatmapFrame['which'][] = ['after', 'live'];
/** Largest displayed height of the two large views, CSS pixels. */
const VIEW_MAX_HEIGHT = 420;
/** The mask's tint on the large before-image, against the studio's opacity (the heatmap must stay readable). */
const TINT_ON_HEATMAP = 0.45;

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/** Energy in the mask and the predicted score of a frame (data-* for the browser tests). */
function FrameNumbers({ frame, testId, maskEmpty }: { frame: HeatmapFrame; testId: string; maskEmpty: boolean }) {
  return (
    <span data-testid={`energy-${testId}`} data-value={frame.energy.toFixed(6)} data-score={frame.score.toFixed(3)}>
      {maskEmpty ? 'draw a region to measure the energy in it' : <>energy in mask <b>{pct(frame.energy)}</b></>} · score <b>{frame.score.toFixed(1)}</b>
      {frame.which === 'live' && ` · step ${frame.step}`}
    </span>
  );
}

function BeforeCaption({ maskEmpty }: { maskEmpty: boolean }) {
  const frame = useStore((s) => s.frames.before);
  const base = useStore((s) => s.models.find((m) => m.id === s.baseModelId));
  const quality = useStore((s) => (s.baseModelId ? s.baseQuality[s.baseModelId] : undefined));
  const running = useStore((s) => s.running);
  return (
    <figcaption>
      <b>Before: {base ? base.name : 'a new baseline'}</b>
      {frame ? <FrameNumbers frame={frame} testId="before" maskEmpty={maskEmpty} /> : (
        <span className="muted">{base ? 'computing the heatmap…' : 'trained when you press Fine-tune; its heatmap shows then'}</span>
      )}
      {base && quality !== undefined && (
        <span data-testid="base-srcc" data-value={quality.srcc ?? ''} title={`Spearman correlation of the predicted and labelled quality of ${quality.images} distorted validation images: what the quality guard keeps`}>
          {quality.srcc === null ? 'no validation photos to measure quality on' : <>validation SRCC <b>{quality.srcc.toFixed(3)}</b></>}
        </span>
      )}
      {base && quality === undefined && !running && <span className="muted" data-testid="base-srcc-pending">measuring validation SRCC…</span>}
    </figcaption>
  );
}

function AfterCaption({ maskEmpty }: { maskEmpty: boolean }) {
  const frame = useStore((s) => s.frames.after ?? s.frames.live);
  const live = useStore((s) => (s.running ? s.valSrcc.at(-1) : undefined));
  const quality = useStore((s) => (s.running ? null : s.lastRun?.quality));
  return (
    <figcaption>
      <b>{frame?.which === 'live' ? 'Steering (live)' : 'Steered'}</b>
      {frame ? <FrameNumbers frame={frame} testId="after" maskEmpty={maskEmpty} /> : <span className="muted">no steered model yet</span>}
      {live && (
        <span data-testid="live-srcc">
          validation SRCC <b>{live.srcc.toFixed(3)}</b> at step {live.step} ({signed(live.srcc - live.base)} from the base)
        </span>
      )}
      {quality && frame && (
        <span>
          validation SRCC <b>{quality.steered.toFixed(3)}</b> ({signed(quality.steered - quality.base)} from the base)
        </span>
      )}
    </figcaption>
  );
}

/**
 * The Steer view's two large images: the base model's GradCAM (before), on which the target
 * region can be drawn with the mask studio's tools and history, and the steered model's (after,
 * live while steering), with the quality verdict of the last run below.
 */
export function CompareView() {
  const studio = useMaskStudioContext();
  const mask = useStore(currentMask);
  const running = useStore((s) => s.running);
  const photo = useStore((s) => s.photos.find((p) => p.id === s.selectedId));
  const img = useImage(photo?.url);
  const [colormap, setColormap] = useState<Colormap>('jet');
  const [opacity, setOpacity] = useState(0.55);
  const area = useMemo(() => areaFraction(mask), [mask]);

  const heat = (slots: HeatmapFrame['which'][], testId: string) => (size: { width: number; height: number }) => (
    <HeatmapCanvas slots={slots} image={img} mask={mask} colormap={colormap} opacity={opacity} testId={testId} width={size.width} height={size.height} className="mask-layer" />
  );
  const common = { image: img, mask, tool: studio.tool, brushSize: studio.brushSize, softness: studio.softness, subtract: studio.subtract, maxHeight: VIEW_MAX_HEIGHT };

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
      <fieldset disabled={running} className="plain mask-editor inline" title="Draw the target region on the before-image: the mask studio's tools, one undo history">
        <MaskToolbar {...studioToolbarProps(studio)} idPrefix="steer-" compact />
      </fieldset>
      <div className="side-by-side">
        <figure data-testid="before-view">
          <MaskCanvas {...common} opacity={studio.opacity * TINT_ON_HEATMAP} readOnly={running} onCommit={(next) => studio.commit(next)} underlay={heat(BEFORE, 'heatmap-before')} idPrefix="steer-" />
          <BeforeCaption maskEmpty={area === 0} />
        </figure>
        <figure data-testid="after-view">
          <MaskCanvas {...common} opacity={0} readOnly onCommit={() => undefined} underlay={heat(AFTER, 'heatmap-after')} idPrefix="after-" />
          <AfterCaption maskEmpty={area === 0} />
        </figure>
      </div>
      <QualityVerdict />
      <WatchStrip colormap={colormap} opacity={opacity} />
      <p className="muted">
        Draw on the left image to set the target region (the tools above, or the mask studio; one undo history). Photos ticked in the compare grid (up to {MAX_WATCHED}) are watched live while steering. White outline: the target mask. Chance level (mask area): <b data-testid="chance">{pct(area)}</b>. Energy in
        mask = share of the heatmap (ReLU, upsampled, min-max normalised) inside the mask.
      </p>
    </div>
  );
}
