import { useEffect, useRef } from 'react';
import type { Mask } from '../core/mask';
import type { HeatmapFrame } from '../protocol/messages';
import type { Colormap } from '../core/colormap';
import { drawHeatmapOverlay } from '../render/heatmap';
import { useStore } from '../state/store';

interface Props {
  slots: HeatmapFrame['which'][];
  image: HTMLImageElement | null;
  mask: Mask;
  colormap: Colormap;
  opacity: number;
  testId: string;
  /** Canvas size in device pixels (default 320 x 320). */
  width?: number;
  height?: number;
  className?: string;
}

/** Draws the newest frame among `slots` from the store, subscribing outside React rendering. */
export function HeatmapCanvas({ slots, image, mask, colormap, opacity, testId, width = 320, height = 320, className = 'heat' }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const draw = (frames: Partial<Record<HeatmapFrame['which'], HeatmapFrame>>) => {
      const ctx = canvas.current?.getContext('2d');
      if (!ctx) return;
      const frame = slots.map((k) => frames[k]).find(Boolean) ?? null;
      drawHeatmapOverlay(ctx, image, frame, { colormap, opacity, outline: mask });
    };
    draw(useStore.getState().frames);
    return useStore.subscribe((s, prev) => {
      if (s.frames !== prev.frames) draw(s.frames);
    });
  }, [slots, image, mask, colormap, opacity, width, height]);
  return <canvas ref={canvas} width={width} height={height} className={className} data-testid={testId} />;
}
