import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import type { Mask } from '../../core/mask';
import type { MaskChannel } from '../../core/maskOps';
import { buildPreset, defaultPreset, DEFAULT_FONT_SIZE, DEFAULT_SALIENCY_THRESHOLD, DEFAULT_TEXT, type PresetKind, type PresetSpec } from '../../core/maskPresets';
import { textMask } from '../../core/textMask';
import { maskFromFile, maskToPngBlob, NotAnImageError, type EditorImage } from './imageUtils';
import { loadSaliency } from './saliencyLoader';
import { Slider } from './Slider';

/** Where a mask change came from; the editor folds repeated changes of one preset into one undo step. */
export type PresetSource = PresetKind | 'upload';

export interface MaskPresetsProps {
  image: EditorImage | null;
  /** The photo's id in the worker, which computes its saliency. */
  imageId: string | null;
  mask: Mask;
  /** Displayed width / height of the photo (text is drawn upright on it). */
  aspect: number;
  onApply(source: PresetSource, mask: Mask): void;
  /** The preset whose controls are live (highlighted). */
  active?: PresetSource | null;
}

type Status = { state: 'idle' | 'computing' | 'ready' } | { state: 'error'; message: string };

const pct = (x: number) => `${Math.round(100 * x)}%`;

/** Preset masks and mask files. Moving a preset's control applies that preset. */
export function MaskPresets({ image, imageId, mask, aspect, onApply, active = null }: MaskPresetsProps) {
  const size = mask.width;
  const [corner, setCorner] = useState((defaultPreset('corners') as { size: number }).size);
  const [center, setCenter] = useState((defaultPreset('center') as { size: number }).size);
  const [border, setBorder] = useState((defaultPreset('border') as { width: number }).width);
  const [threshold, setThreshold] = useState(DEFAULT_SALIENCY_THRESHOLD);
  const [saliency, setSaliency] = useState<{ image: EditorImage; map: Mask } | null>(null);
  const [salStatus, setSalStatus] = useState<Status>({ state: 'idle' });
  const [text, setText] = useState(DEFAULT_TEXT);
  const [fontSize, setFontSize] = useState(DEFAULT_FONT_SIZE);
  const [textNote, setTextNote] = useState<string | null>(null);
  const [channel, setChannel] = useState<MaskChannel>('auto');
  const [upload, setUpload] = useState<{ error: string } | { ok: string } | null>(null);
  const imageRef = useRef(image);

  useEffect(() => {
    imageRef.current = image;
    setSalStatus({ state: 'idle' });
  }, [image]);

  const map = saliency && saliency.image === image ? saliency.map : null;

  const apply = (spec: PresetSpec, salMap: Mask | null = map) => onApply(spec.kind, buildPreset(spec, { saliency: salMap, aspect, size }));

  const applyText = (t: string, fs: number) => {
    const r = textMask(t, { fontSize: fs, aspect, size });
    const notes: string[] = [];
    if (r.missing.length) notes.push(`Not in the built-in font, drawn as boxes: ${r.missing.join(' ')}`);
    if (t.trim() && r.fontSize < fs - 1e-6) notes.push(`Shrunk to ${pct(r.fontSize)} to fit.`);
    setTextNote(notes.length ? notes.join(' ') : null);
    onApply('text', r.mask);
  };

  const salient = async (t?: number) => {
    if (!image || !imageId) {
      setSalStatus({ state: 'error', message: 'Load a photo first: saliency is computed from it.' });
      return;
    }
    if (map) {
      apply({ kind: 'salient', threshold: t ?? threshold });
      return;
    }
    setSalStatus({ state: 'computing' });
    try {
      const loaded = await loadSaliency(imageId);
      if (imageRef.current !== image) return;
      setSaliency({ image, map: loaded.map });
      const use = t ?? loaded.suggested;
      setThreshold(use);
      setSalStatus({ state: 'ready' });
      apply({ kind: 'salient', threshold: use }, loaded.map);
    } catch (err) {
      if (imageRef.current !== image) return;
      setSalStatus({ state: 'error', message: `Saliency failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    try {
      const m = await maskFromFile(file, channel, size);
      setUpload({ ok: `Loaded ${file.name}` });
      onApply('upload', m);
    } catch (err) {
      setUpload({
        error: err instanceof NotAnImageError ? err.message : `Could not read “${file.name}” as a mask (${err instanceof Error ? err.message : String(err)}). The mask is unchanged.`,
      });
    }
  };

  const exportPng = async () => {
    const blob = await maskToPngBlob(mask);
    const url = URL.createObjectURL(blob);
    const a = Object.assign(document.createElement('a'), { href: url, download: 'mask.png' });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div className="mask-presets">
      <section className="mask-preset-row">
        <button type="button" className={active === 'corners' ? 'active' : undefined} aria-pressed={active === 'corners'} data-testid="mask-preset-corners" onClick={() => apply({ kind: 'corners', size: corner })}>
          Corners
        </button>
        <Slider
          label="Corner size"
          value={corner}
          min={0.05}
          max={0.5}
          step={0.01}
          format={pct}
          testId="mask-corner-size"
          onChange={(v) => {
            setCorner(v);
            apply({ kind: 'corners', size: v });
          }}
        />
      </section>
      <section className="mask-preset-row">
        <button type="button" className={active === 'center' ? 'active' : undefined} aria-pressed={active === 'center'} data-testid="mask-preset-center" onClick={() => apply({ kind: 'center', size: center })}>
          Center
        </button>
        <Slider
          label="Side"
          value={center}
          min={0.1}
          max={0.95}
          step={0.01}
          format={pct}
          testId="mask-center-size"
          onChange={(v) => {
            setCenter(v);
            apply({ kind: 'center', size: v });
          }}
        />
      </section>
      <section className="mask-preset-row">
        <button type="button" className={active === 'border' ? 'active' : undefined} aria-pressed={active === 'border'} data-testid="mask-preset-border" onClick={() => apply({ kind: 'border', width: border })}>
          Border
        </button>
        <Slider
          label="Frame width"
          value={border}
          min={0.02}
          max={0.45}
          step={0.01}
          format={pct}
          testId="mask-border-width"
          onChange={(v) => {
            setBorder(v);
            apply({ kind: 'border', width: v });
          }}
        />
      </section>
      <section className="mask-preset-row">
        <button
          type="button"
          className={active === 'salient' ? 'active' : undefined}
          aria-pressed={active === 'salient'}
          data-testid="mask-preset-salient"
          disabled={salStatus.state === 'computing'}
          title="Spectral residual saliency (Hou & Zhang 2007) of this photo, thresholded"
          onClick={() => void salient()}
        >
          Salient
        </button>
        <Slider
          label="Threshold"
          value={threshold}
          min={0.02}
          max={0.98}
          step={0.01}
          format={(v) => v.toFixed(2)}
          testId="mask-salient-threshold"
          disabled={!image || salStatus.state === 'computing'}
          onChange={(v) => {
            setThreshold(v);
            void salient(v);
          }}
        />
        {salStatus.state === 'computing' && (
          <p className="mask-muted" data-testid="mask-salient-status" role="status">
            Computing saliency…
          </p>
        )}
        {salStatus.state === 'error' && (
          <p className="mask-error" data-testid="mask-salient-status" role="alert">
            {salStatus.message}
          </p>
        )}
      </section>
      <section className="mask-preset-row">
        <button type="button" className={active === 'text' ? 'active' : undefined} aria-pressed={active === 'text'} data-testid="mask-preset-text" onClick={() => applyText(text, fontSize)}>
          Text
        </button>
        <input
          type="text"
          className="mask-text-input"
          value={text}
          maxLength={40}
          aria-label="Mask text"
          data-testid="mask-text-input"
          onChange={(e) => {
            setText(e.currentTarget.value);
            applyText(e.currentTarget.value, fontSize);
          }}
        />
        <Slider
          label="Font size"
          value={fontSize}
          min={0.1}
          max={0.9}
          step={0.01}
          format={pct}
          testId="mask-text-size"
          onChange={(v) => {
            setFontSize(v);
            applyText(text, v);
          }}
        />
        {textNote && (
          <p className="mask-muted" data-testid="mask-text-note">
            {textNote}
          </p>
        )}
      </section>
      <section className="mask-preset-row mask-file-row">
        <label className="mask-file-button">
          Upload mask…
          <input type="file" accept="image/png,image/jpeg" data-testid="mask-upload-input" onChange={(e) => void onFile(e)} />
        </label>
        <label className="mask-select">
          <span>from</span>
          <select value={channel} data-testid="mask-upload-channel" onChange={(e) => setChannel(e.currentTarget.value as MaskChannel)}>
            <option value="auto" title="alpha if the image has transparency, else luminance">auto</option>
            <option value="luminance">luminance</option>
            <option value="alpha">alpha</option>
          </select>
        </label>
        <button type="button" data-testid="mask-export" onClick={() => void exportPng()}>
          Export PNG
        </button>
        {upload && 'error' in upload && (
          <p className="mask-error" data-testid="mask-upload-error" role="alert">
            {upload.error}
          </p>
        )}
        {upload && 'ok' in upload && (
          <p className="mask-muted" data-testid="mask-upload-status" role="status">
            {upload.ok}
          </p>
        )}
      </section>
    </div>
  );
}
