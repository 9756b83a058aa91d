import { useEffect, useRef } from 'react';
import { areaFraction, MASK_PRESETS } from '../core/mask';
import { drawMaskTint } from '../render/heatmap';
import { useStore } from '../state/store';
import { useImage } from './useImage';

export function TargetPanel() {
  const preset = useStore((s) => s.preset);
  const frac = useStore((s) => s.presetFrac);
  const mask = useStore((s) => s.mask);
  const setPreset = useStore((s) => s.setPreset);
  const running = useStore((s) => s.running);
  const photo = useStore((s) => s.photos.find((p) => p.id === s.selectedId));
  const img = useImage(photo?.url);
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) drawMaskTint(ctx, img, mask, 0.45);
  }, [img, mask]);

  return (
    <div className="panel">
      <div className="panel-head">
        <h2>Target region</h2>
      </div>
      <div className="segmented" role="radiogroup" aria-label="Target preset">
        {MASK_PRESETS.map((p) => (
          <button
            key={p.id}
            role="radio"
            aria-checked={preset === p.id}
            className={preset === p.id ? 'on' : ''}
            title={p.hint}
            disabled={running}
            onClick={() => setPreset(p.id)}
            data-testid={`preset-${p.id}`}
          >
            {p.label}
          </button>
        ))}
      </div>
      <label className="field">
        <span>Size {Math.round(frac * 100)}%</span>
        <input type="range" min={0.05} max={0.45} step={0.01} value={frac} disabled={running} onChange={(e) => setPreset(preset, Number(e.target.value))} data-testid="preset-size" />
      </label>
      <canvas ref={canvas} width={256} height={256} className="mask-preview" data-testid="mask-preview" />
      <p className="muted" data-testid="mask-area">
        Mask covers {(areaFraction(mask) * 100).toFixed(1)}% of the image — the chance level of energy-in-mask.
      </p>
    </div>
  );
}
