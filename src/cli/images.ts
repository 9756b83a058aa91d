import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeImage } from '../core/iqa/decode';
import { centerSquare, checkImageSize, ImageInputError, resize, type RgbImage } from '../core/iqa/image';
import { MAX_IMAGE_FILE_BYTES } from '../core/limits';
import { readRegularFile } from './files';
import { CliError } from './io';
import { WORKING_SIZE, workingImage } from '../core/iqa/samples';

/** How a photo becomes the model's S x S input. */
export type Fit = 'squash' | 'crop';
export const FITS: readonly Fit[] = ['squash', 'crop'];

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** A file that cannot be used as an image (missing, unreadable, not PNG/JPEG, too small). Exit 1. */
export class ImageFileError extends CliError {
  constructor(path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'ImageFileError';
  }
}

/**
 * The bytes of an image file: a regular file of at most MAX_IMAGE_FILE_BYTES (not a directory,
 * a device or a pipe), with a one-line message naming the path otherwise.
 */
export function readImageBytes(path: string): Uint8Array {
  return new Uint8Array(readRegularFile(path, { maxBytes: MAX_IMAGE_FILE_BYTES, what: 'an image file', fail: (d) => new ImageFileError(path, d === 'no such file or directory' ? 'no such file' : d) }));
}

/** Decodes a PNG or JPEG file to RGB, with the pipeline's clear errors (size checked from the header first). */
export function readImage(path: string): RgbImage {
  const bytes = readImageBytes(path);
  try {
    return decodeImage(bytes);
  } catch (e) {
    if (e instanceof ImageInputError) throw new ImageFileError(path, e.message);
    throw e;
  }
}

/**
 * The part of the photo the model sees: the whole photo ('squash', as the app draws it into
 * the square input) or its largest centred square ('crop', as the IQA data pipeline does).
 */
export function viewOf(img: RgbImage, fit: Fit): RgbImage {
  checkImageSize(img.width, img.height);
  return fit === 'crop' ? centerSquare(img) : img;
}

/**
 * The model input of an image: for a square-input model the S x S view (antialiased bilinear
 * resize); for a fully convolutional one (size null) the whole image at its working size
 * (long side `workingSize`, never enlarged), as the model was trained to judge it.
 */
export function prepareInput(img: RgbImage, size: number | null, fit: Fit, workingSize = WORKING_SIZE): RgbImage {
  if (size === null) return workingImage(img, workingSize);
  const v = viewOf(img, fit);
  return resize(v, size, size);
}

/** [1, S, S, 3] float32 in [0, 1] from an S x S image; the same values `--dump-input` writes. */
export function inputTensor(img: RgbImage): tf.Tensor4D {
  const f = new Float32Array(img.data.length);
  for (let i = 0; i < f.length; i++) f[i] = img.data[i] / 255;
  return tf.tensor4d(f, [1, img.height, img.width, 3]);
}

/** PNG/JPEG files of a directory (not recursive), sorted by name. */
export function listImages(dir: string): string[] {
  if (!existsSync(dir)) throw new CliError(`${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new CliError(`${dir}: not a directory`);
  return readdirSync(dir)
    .filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dir, f));
}
