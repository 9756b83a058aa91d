import * as jpeg from 'jpeg-js';
import type { JpegCodec } from '../distort';

/**
 * A real baseline-JPEG encode + decode round trip in pure JS (jpeg-js), for Node and tests.
 * Quality is clamped to 1..100 and rounded, as the encoder takes integers.
 */
export const jpegJsCodec: JpegCodec = async (pixels, width, height, quality) => {
  const q = Math.max(1, Math.min(100, Math.round(quality)));
  const encoded = jpeg.encode({ data: pixels, width, height }, q);
  const decoded = jpeg.decode(encoded.data, { useTArray: true, formatAsRGBA: true });
  if (decoded.width !== width || decoded.height !== height) {
    throw new Error(`jpegJsCodec: round trip changed the size (${decoded.width}x${decoded.height})`);
  }
  return new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
};
