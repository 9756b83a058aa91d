/** Browser-side image helpers for the mask studio (canvas based, so not in core/). */
import { maskFromRgba, maskToRgba, type MaskChannel } from '../../core/maskOps';
import type { Mask } from '../../core/mask';
import { uploadHeader } from '../../client/photos';

export type EditorImage = ImageBitmap | HTMLImageElement;

/** Natural size of an image, or null while an <img> has not loaded. */
export function imageSize(image: EditorImage | null): { width: number; height: number } | null {
  if (!image) return null;
  const width = 'naturalWidth' in image ? image.naturalWidth : image.width;
  const height = 'naturalHeight' in image ? image.naturalHeight : image.height;
  return width > 0 && height > 0 ? { width, height } : null;
}

function canvas2d(w: number, h: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!ctx) throw new Error('2D canvas unavailable');
  return ctx;
}

/** RGBA pixels of `image` drawn (squashed) into w x h. */
export function imagePixels(image: CanvasImageSource, w: number, h: number): Uint8ClampedArray {
  const ctx = canvas2d(w, h);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(image, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h).data;
}

/** A file that cannot be used as a mask: not a PNG/JPEG, or (`reason`) cut short or too large. */
export class NotAnImageError extends Error {
  constructor(fileName: string, reason?: string) {
    super(reason ? `“${fileName}” cannot be used as a mask: ${reason} The mask is unchanged.` : `“${fileName}” is not a PNG or JPEG image, so it cannot be used as a mask. The mask is unchanged.`);
    this.name = 'NotAnImageError';
  }
}

/** Largest side an uploaded mask is read at (bigger uploads are reduced by the canvas first). */
const MAX_UPLOAD_SIDE = 1024;

/**
 * Reads a mask image file (PNG/JPEG) into a Mask of size x size from its luminance or alpha.
 * Its size is read from the header first, with the photos' limit (uploadHeader). Throws
 * NotAnImageError for anything that is not a decodable PNG/JPEG of at most that size.
 */
export async function maskFromFile(file: File, channel: MaskChannel, size: number): Promise<Mask> {
  const okType = /^image\/(png|jpeg)$/.test(file.type) || (!file.type && /\.(png|jpe?g)$/i.test(file.name));
  if (!okType) throw new NotAnImageError(file.name);
  const header = await uploadHeader(file, (reason) => new NotAnImageError(file.name, reason));
  if (header.format !== 'png' && header.format !== 'jpeg') throw new NotAnImageError(file.name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new NotAnImageError(file.name);
  }
  try {
    const scale = Math.min(1, MAX_UPLOAD_SIDE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    return maskFromRgba(imagePixels(bitmap, w, h), w, h, channel, size);
  } finally {
    bitmap.close();
  }
}

/** PNG of a mask (white = 1), e.g. for download. */
export function maskToPngBlob(mask: Mask): Promise<Blob> {
  const ctx = canvas2d(mask.width, mask.height);
  const img = ctx.createImageData(mask.width, mask.height);
  img.data.set(maskToRgba(mask));
  ctx.putImageData(img, 0, 0);
  const canvas = ctx.canvas;
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/png' });
  return new Promise((resolve, reject) => (canvas as HTMLCanvasElement).toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}
