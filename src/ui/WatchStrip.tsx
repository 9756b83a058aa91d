import { useEffect, useRef } from 'react';
import type { HeatmapFrame } from '../protocol/messages';
import { drawHeatmapOverlay } from '../render/heatmap';
import { maskOf, useStore } from '../state/store';
import { useImage } from './useImage';

function Watched({ frame, colormap, opacity }: { frame: HeatmapFrame; colormap: Parameters<typeof drawHeatmapOverlay>[3]['colormap']; opacity: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const photo = useStore((s) => s.photos.find((p) => p.id === frame.imageId));
  const mask = useStore((s) => maskOf(s, frame.imageId));
  const img = useImage(photo?.url);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) drawHeatmapOverlay(ctx, img, frame, { colormap, opacity, outline: mask });
  }, [img, frame, mask, colormap, opacity]);
  return (
    <figure data-testid={`watch-${frame.imageId}`} data-energy={frame.energy.toFixed(6)}>
      <canvas ref={canvas} width={160} height={160} className="heat" />
      <figcaption className="muted">
        {photo?.name ?? frame.imageId} · in mask {(frame.energy * 100).toFixed(1)}% · step {frame.step}
      </figcaption>
    </figure>
  );
}

/** Live heatmaps of up to 3 more photos (the compare grid's ticked photos) while steering. */
export function WatchStrip({ colormap, opacity }: { colormap: Parameters<typeof drawHeatmapOverlay>[3]['colormap']; opacity: number }) {
  const frames = useStore((s) => s.watchFrames);
  const list = Object.values(frames);
  if (!list.length) return null;
  return (
    <div className="watch-strip" data-testid="watch-strip">
      {list.map((f) => (
        <Watched key={f.imageId} frame={f} colormap={colormap} opacity={opacity} />
      ))}
    </div>
  );
}
