import * as tf from '@tensorflow/tfjs';
import { pixelsToTensor, JpegUnavailableError, type JpegCodec } from '../core/distort';
import { toRgb, type RgbImage } from '../core/iqa/image';

/** The bitmap squashed to size x size as RGBA bytes. */
export function squashedPixels(bitmap: ImageBitmap, size: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('2D canvas is not available in the worker');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, size, size);
  return ctx.getImageData(0, 0, size, size).data;
}

/** The bitmap squashed to size x size as [size, size, 3] in [0, 1]: what the model sees. */
export function bitmapToTensor(bitmap: ImageBitmap, size: number): tf.Tensor3D {
  return pixelsToTensor(squashedPixels(bitmap, size), size, size);
}

/** The bitmap squashed to size x size as 8-bit RGB. */
export function bitmapToRgb(bitmap: ImageBitmap, size: number): RgbImage {
  return toRgb(squashedPixels(bitmap, size), size, size, 4);
}

/** A real JPEG encode/decode through OffscreenCanvas. Refuses silently-substituted PNGs. */
export const canvasJpeg: JpegCodec = async (pixels, width, height, quality) => {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new JpegUnavailableError('no 2D canvas');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(pixels), width, height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: quality / 100 });
  if (blob.type !== 'image/jpeg') throw new JpegUnavailableError(`the browser encoded ${blob.type} instead`);
  const decoded = await createImageBitmap(blob);
  ctx.clearRect(0, 0, width, height);
  ctx.drawImage(decoded, 0, 0);
  decoded.close();
  return ctx.getImageData(0, 0, width, height).data;
};
