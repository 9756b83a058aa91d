/**
 * Limits on what CamSteer reads, in one place: the CLI and the app check the same numbers,
 * and each is checked before the expensive work (from a file's header, a zip's directory or a
 * model.json's manifest), so a hostile file costs about as little as a small valid one.
 * No tfjs here: the app's main thread imports this module.
 */

/** Images smaller than this on either side are refused: nothing useful survives resizing up. */
export const MIN_IMAGE_SIDE = 32;
/** Photos and masks with more pixels than this are refused from their header, before decoding. */
export const MAX_IMAGE_MEGAPIXELS = 100;
export const MAX_IMAGE_PIXELS = MAX_IMAGE_MEGAPIXELS * 1e6;
/** Image files larger than this are not read (a 100 MP PNG of noise is about 300 MB). */
export const MAX_IMAGE_FILE_BYTES = 400e6;

/** A model zip larger than this is not opened. */
export const MAX_ZIP_BYTES = 200e6;
/** Entries a model zip may hold (a tfjs model is model.json and a few 4 MB weight shards). */
export const MAX_ZIP_ENTRIES = 1000;
/** model.json larger than this is not parsed (MobileNetV2's is 0.1 MB). */
export const MAX_MODEL_JSON_BYTES = 32e6;
/** Weight bytes a model may declare (and its weight files hold). */
export const MAX_WEIGHT_BYTES = 200e6;
/** What a model zip may unpack to in all, from its directory: model.json plus the weights. */
export const MAX_UNZIPPED_BYTES = MAX_WEIGHT_BYTES + MAX_MODEL_JSON_BYTES;
/** Parameters a model may have (MAX_WEIGHT_BYTES of float32). */
export const MAX_MODEL_PARAMS = MAX_WEIGHT_BYTES / 4;
/** Values one weight tensor may hold. */
export const MAX_TENSOR_VALUES = MAX_MODEL_PARAMS;
/** Largest side of a model's square input. */
export const MAX_MODEL_INPUT_SIDE = 1024;
/** Values one layer's output may hold for one image (64 M float32 = 256 MB). */
export const MAX_ACTIVATION_VALUES = 64e6;

/** A `scores.csv` larger than this is not read. */
export const MAX_CSV_BYTES = 16e6;
