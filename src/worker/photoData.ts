import * as tf from '@tensorflow/tfjs';
import { imageInputs, sampleSource, type BatchSource } from '../core/batch';
import { STEERING_DATA } from '../core/config';
import type { InputSource } from '../core/evaluation';
import { buildDistortedSet, disposeSamples, type Sample } from '../core/dataset';
import { crop, resize, rgbBatchToTensor, toRgb, type RgbImage } from '../core/iqa/image';
import { MSSSIM_MIN_SIDE } from '../core/iqa/label';
import { buildAugmentedSet, buildFixedSet, CROP_SIZE, WORKING_SIZE, type IqaSample } from '../core/iqa/samples';
import { gridTarget, type Mask } from '../core/mask';
import { cropItems, type SteeringItems } from '../core/steer/steerRun';
import type { ModelMeta } from '../protocol/messages';
import { canvasJpeg } from './pixels';

/**
 * The app's labelled data, made from the loaded photos for the model in use, as the model's
 * protocol says (docs/data.md):
 * - a fully convolutional model (inputSize null) judges a photo whole at its working size and
 *   trains on crops of it: training items are CROP_SIZE crops of the photo's distorted working
 *   images (labels crop against crop), masks cut like the crops;
 * - a square-input model (the in-app baseline, imported models) sees each photo squashed to its
 *   input, and trains on those squares and their distorted copies.
 * Everything is cached per photo, protocol and seed until the photos change.
 */

export type CropRole = keyof typeof STEERING_DATA;

/** Whether a model judges whole images (fully convolutional) and at which long side. */
export function workingSizeOf(meta: Pick<ModelMeta, 'inputSize' | 'workingSize'>): number | null {
  return meta.inputSize === null ? (meta.workingSize ?? WORKING_SIZE) : null;
}

/** Width and height a photo is drawn at for a model: its square input, or its working size. */
export function inputDims(meta: Pick<ModelMeta, 'inputSize' | 'workingSize'>, width: number, height: number): { w: number; h: number } {
  const ws = workingSizeOf(meta);
  if (ws === null) return { w: meta.inputSize!, h: meta.inputSize! };
  const f = Math.min(1, ws / Math.max(width, height));
  return { w: Math.max(1, Math.round(width * f)), h: Math.max(1, Math.round(height * f)) };
}

/** The bitmap drawn at w x h as 8-bit RGB. */
export function bitmapRgb(bitmap: ImageBitmap, w: number, h: number): RgbImage {
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('2D canvas is not available in the worker');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, w, h);
  return toRgb(ctx.getImageData(0, 0, w, h).data, w, h, 4);
}

type Progress = (done: number, total: number, message: string) => void;

export class PhotoData {
  private squares: { key: string; samples: Sample[] } | null = null;
  private readonly crops = new Map<string, IqaSample[]>();
  private readonly wholes = new Map<string, IqaSample[]>();

  constructor(private readonly images: ReadonlyMap<string, ImageBitmap>) {}

  /** Forgets everything made from the photos (they changed). */
  clear(): void {
    if (this.squares) disposeSamples(this.squares.samples);
    this.squares = null;
    this.crops.clear();
    this.wholes.clear();
  }

  /** Pristine model input [1, H, W, 3] of a loaded photo for a model; the caller disposes it. */
  input(id: string, meta: Pick<ModelMeta, 'inputSize' | 'workingSize'>): tf.Tensor4D {
    const bitmap = this.images.get(id);
    if (!bitmap) throw new Error(`Image "${id}" is not loaded`);
    const { w, h } = inputDims(meta, bitmap.width, bitmap.height);
    return rgbBatchToTensor([bitmapRgb(bitmap, w, h)]);
  }

  /**
   * A photo as the audit sees it: all audited photos must share a size, so a fully convolutional
   * model gets the central CROP_SIZE square of the working image (at the working scale, enlarged
   * only when the photo is smaller), a square model its input.
   */
  auditInput(id: string, meta: Pick<ModelMeta, 'inputSize' | 'workingSize'>): tf.Tensor4D {
    const ws = workingSizeOf(meta);
    if (ws === null) return this.input(id, meta);
    const bitmap = this.images.get(id);
    if (!bitmap) throw new Error(`Image "${id}" is not loaded`);
    const { w, h } = inputDims(meta, bitmap.width, bitmap.height);
    const side = Math.min(w, h, CROP_SIZE);
    const square = crop(bitmapRgb(bitmap, w, h), Math.floor((w - side) / 2), Math.floor((h - side) / 2), side, side);
    return rgbBatchToTensor([side === CROP_SIZE ? square : resize(square, CROP_SIZE, CROP_SIZE)]);
  }

  /** Every loaded photo squashed to `size`, plus its distorted copies, labelled (square models; cached). */
  async squareSamples(size: number, seed: number, onProgress?: Progress): Promise<Sample[]> {
    const ids = [...this.images.keys()].sort();
    const key = JSON.stringify([ids, size, seed]);
    if (this.squares?.key === key) return this.squares.samples;
    if (this.squares) disposeSamples(this.squares.samples);
    this.squares = null;
    const refs = ids.map((id) => ({ id, square: bitmapRgb(this.images.get(id)!, size, size) }));
    const samples = await buildDistortedSet(refs, { seed, jpeg: canvasJpeg }, (d, t) => onProgress?.(d, t, `Distorting and labelling photos ${d}/${t}`));
    this.squares = { key, samples };
    return samples;
  }

  /**
   * The side of the crops a run over these photos uses: CROP_SIZE, or the smallest photo's
   * shorter working side when that is less (MS-SSIM labels need at least MSSSIM_MIN_SIDE).
   */
  cropSide(ids: readonly string[], workingSize: number): number {
    let side = CROP_SIZE;
    for (const id of ids) {
      const bitmap = this.images.get(id);
      if (!bitmap) throw new Error(`Image "${id}" is not loaded`);
      const { w, h } = inputDims({ inputSize: null, workingSize }, bitmap.width, bitmap.height);
      if (Math.min(w, h) < MSSSIM_MIN_SIDE) throw new Error(`The photo "${id}" is ${bitmap.width}x${bitmap.height}; training on it needs at least ${MSSSIM_MIN_SIDE} px on each side.`);
      side = Math.min(side, w, h);
    }
    return side;
  }

  /** A photo's labelled crops for a role (whole models; cached). */
  async photoCrops(id: string, workingSize: number, seed: number, role: CropRole, cropSize = CROP_SIZE): Promise<IqaSample[]> {
    const key = JSON.stringify([id, workingSize, seed, role, cropSize]);
    const hit = this.crops.get(key);
    if (hit) return hit;
    const bitmap = this.images.get(id);
    if (!bitmap) throw new Error(`Image "${id}" is not loaded`);
    const { w, h } = inputDims({ inputSize: null, workingSize }, bitmap.width, bitmap.height);
    const crops = await buildAugmentedSet([{ id, image: bitmapRgb(bitmap, w, h) }], { jpeg: canvasJpeg, seed, workingSize, cropSize, ...STEERING_DATA[role] });
    this.crops.set(key, crops);
    return crops;
  }

  /** A photo's whole working image pristine and distorted at every level, labelled (whole models; cached). */
  async photoWhole(id: string, workingSize: number, seed: number): Promise<IqaSample[]> {
    const key = JSON.stringify([id, workingSize, seed]);
    const hit = this.wholes.get(key);
    if (hit) return hit;
    const bitmap = this.images.get(id);
    if (!bitmap) throw new Error(`Image "${id}" is not loaded`);
    const { w, h } = inputDims({ inputSize: null, workingSize }, bitmap.width, bitmap.height);
    const set = await buildFixedSet([{ id, image: bitmapRgb(bitmap, w, h) }], { jpeg: canvasJpeg, seed, workingSize });
    this.wholes.set(key, set);
    return set;
  }

  /**
   * The training items of a steering (or quality-only) run: the steered photos with their masks
   * and the replayed ones without, for the model's protocol.
   */
  async training(
    meta: Pick<ModelMeta, 'inputSize' | 'workingSize'>,
    targets: Readonly<Record<string, Mask>>,
    replay: readonly string[],
    opts: { seed: number; grid: (side: number) => { h: number; w: number }; sharpness: number },
    onProgress?: Progress,
  ): Promise<SteeringItems> {
    const ws = workingSizeOf(meta);
    if (ws === null) {
      const samples = await this.squareSamples(meta.inputSize!, opts.seed, onProgress);
      const grid = opts.grid(meta.inputSize!);
      const masks = new Map(Object.entries(targets).map(([id, m]) => [id, gridTarget(m, grid.w, grid.h, opts.sharpness)]));
      const keep = new Set([...Object.keys(targets), ...replay]);
      const chosen = samples.filter((s) => keep.has(s.refId));
      return { refIds: chosen.map((s) => s.refId), source: sampleSource(chosen, masks), side: meta.inputSize! };
    }
    const ids = [...Object.keys(targets), ...replay.filter((id) => !targets[id])];
    const side = this.cropSide(ids, ws);
    const items: IqaSample[] = [];
    for (const [k, id] of ids.entries()) {
      onProgress?.(k, ids.length, `Distorting and labelling photos ${k}/${ids.length}`);
      items.push(...(await this.photoCrops(id, ws, opts.seed, targets[id] ? 'target' : 'replay', side)));
    }
    onProgress?.(ids.length, ids.length, `Distorting and labelling photos ${ids.length}/${ids.length}`);
    return cropItems(items, (id) => targets[id] ?? null, (id) => inputDims(meta, this.images.get(id)!.width, this.images.get(id)!.height), opts.grid, opts.sharpness);
  }

  /** Labelled images of some photos for a quality figure: their crops (validation) or whole distorted images (test). */
  async labelled(
    meta: Pick<ModelMeta, 'inputSize' | 'workingSize'>,
    ids: readonly string[],
    seed: number,
    kind: 'validation' | 'whole',
  ): Promise<InputSource & Pick<BatchSource, 'score'> & { refIds: string[]; distortions: (string | null)[]; levels: number[] }> {
    const ws = workingSizeOf(meta);
    if (ws === null) {
      const chosen = (await this.squareSamples(meta.inputSize!, seed)).filter((s) => ids.includes(s.refId));
      return { ...sampleSource(chosen, new Map()), refIds: chosen.map((s) => s.refId), distortions: chosen.map((s) => s.distortion), levels: chosen.map((s) => s.level) };
    }
    const items: IqaSample[] = [];
    const side = kind === 'whole' ? 0 : this.cropSide(ids, ws);
    for (const id of ids) items.push(...(kind === 'whole' ? await this.photoWhole(id, ws, seed) : await this.photoCrops(id, ws, seed, 'validation', side)));
    return { ...imageInputs(items.map((s) => s.image)), score: (i) => items[i].score, refIds: items.map((s) => s.refId), distortions: items.map((s) => s.distortion), levels: items.map((s) => s.level) };
  }
}
