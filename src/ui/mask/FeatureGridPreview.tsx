import { useEffect, useMemo, useRef } from 'react';
import { gridBound } from '../../core/alignment';
import { areaFraction, gridTarget, type Mask } from '../../core/mask';
import { useStore } from '../../state/store';
import { drawFeatureGrid } from '../../render/maskRender';
import { imageSize, type EditorImage } from './imageUtils';

export interface FeatureGridPreviewProps {
  image: EditorImage | null;
  mask: Mask;
  gridSize: { w: number; h: number };
  /** Displayed width in CSS pixels (default 168). */
  width?: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The mask as the steering loss sees it: downsampled (area-weighted, like the worker does) to
 * the target layer's feature grid and sharpened by the sharpness setting, with its area fraction, the chance level of energy-in-mask,
 * and what a heatmap on that grid can reach (core/alignment gridBound): a thin shape on a
 * coarse grid cannot hold much of the energy however well the model is steered.
 */
export function FeatureGridPreview({ image, mask, gridSize, width = 168 }: FeatureGridPreviewProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const gw = Math.max(1, Math.round(gridSize.w));
  const gh = Math.max(1, Math.round(gridSize.h));
  const sharpness = useStore((s) => s.settings.sharpness);
  const grid = useMemo(() => ({ width: gw, height: gh, data: gridTarget(mask, gw, gh, sharpness) }), [mask, gw, gh, sharpness]);
  const area = useMemo(() => areaFraction(mask), [mask]);
  const gridArea = useMemo(() => areaFraction({ width: gw, height: gh, data: gridTarget(mask, gw, gh) }), [mask, gw, gh]);
  const bound = useMemo(() => gridBound(mask, gh, gw), [mask, gh, gw]);

  const natural = imageSize(image);
  const aspect = natural ? natural.width / natural.height : 1;
  const cssH = Math.round(width / aspect);
  const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
  const pxW = Math.round(width * dpr);
  const pxH = Math.round(cssH * dpr);

  // A small copy of the photo, made once per image, shown faintly under the cells.
  const hasSize = natural !== null;
  const thumb = useMemo(() => {
    if (!image || !hasSize) return null;
    const c = document.createElement('canvas');
    c.width = pxW;
    c.height = pxH;
    c.getContext('2d')?.drawImage(image, 0, 0, pxW, pxH);
    return c;
  }, [image, hasSize, pxW, pxH]);

  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) drawFeatureGrid(ctx, grid, { width: pxW, height: pxH, photo: thumb, labelMinCell: 26 * dpr });
  }, [grid, pxW, pxH, thumb, dpr]);

  return (
    <figure className="mask-grid">
      <canvas
        ref={ref}
        width={pxW}
        height={pxH}
        style={{ width, height: cssH }}
        data-testid="mask-grid"
        role="img"
        aria-label={`Mask at the ${gw}x${gh} feature grid`}
      />
      <figcaption>
        <span data-testid="mask-area" data-value={area.toFixed(6)} title="Share of the image the mask covers: a heatmap that ignores the mask puts about this much energy in it (chance level).">
          Area {pct(area)}
        </span>
        <span className="mask-muted" data-testid="mask-grid-area" data-value={gridArea.toFixed(6)}>
          at {gw}×{gh}: {pct(gridArea)} (chance level of energy-in-mask)
        </span>
        <span
          className="mask-muted"
          data-testid="mask-grid-reach"
          data-exact-fit={bound.exactFit.toFixed(6)}
          data-best-cell={bound.bestCell.toFixed(6)}
          title="Energy-in-mask a heatmap on this grid gets when it equals the mask as drawn at the grid (what the MSE loss aims at), and when all of it sits on the single best cell."
        >
          reachable at {gw}×{gh}: {pct(bound.exactFit)} (the mask itself), {pct(bound.bestCell)} (best single cell)
        </span>
      </figcaption>
    </figure>
  );
}
