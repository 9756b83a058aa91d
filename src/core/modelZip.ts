import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { assembleArtifacts, declaredBytes, type ModelJson, type StoredArtifacts } from './artifacts';

/** model.json as read from an untrusted file: every field may be missing. */
type UntrustedModelJson = Partial<ModelJson>;

/** Refuse archives or weight files past these sizes (zip bombs, absurd declarations). */
export const MAX_ZIP_BYTES = 200e6;
export const MAX_WEIGHT_BYTES = 200e6;

export class ModelImportError extends Error {
  constructor(detail: string) {
    super(`This model cannot be imported: ${detail}`);
    this.name = 'ModelImportError';
  }
}

const WEIGHTS = 'weights.bin';

/** The tfjs LayersModel files (model.json + weights.bin) zipped; metadata inside model.json. */
export function zipModel(a: StoredArtifacts): Uint8Array {
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'CamSteer',
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS], weights: a.weightSpecs }],
    userDefinedMetadata: a.userDefinedMetadata ?? {},
  };
  return zipSync({ 'model.json': strToU8(JSON.stringify(modelJson)), [WEIGHTS]: new Uint8Array(a.weightData) }, { level: 6 });
}

/**
 * Reads a zipped tfjs LayersModel (model.json + its weight files, possibly sharded) and
 * checks it before anything is built: valid JSON, a topology, every weight file present,
 * and weight bytes matching the manifest.
 */
export function unzipModel(data: Uint8Array): StoredArtifacts {
  if (data.byteLength > MAX_ZIP_BYTES) throw new ModelImportError(`the file is ${(data.byteLength / 1e6).toFixed(0)} MB; the limit is ${MAX_ZIP_BYTES / 1e6} MB.`);
  let files: Record<string, Uint8Array>;
  let tooBig = '';
  try {
    files = unzipSync(data, {
      filter: (f) => {
        if (f.originalSize > MAX_WEIGHT_BYTES) tooBig = f.name;
        return !tooBig;
      },
    });
  } catch (e) {
    throw new ModelImportError(`it is not a readable zip archive (${(e as Error).message}).`);
  }
  if (tooBig) throw new ModelImportError(`"${tooBig}" would unpack to more than ${MAX_WEIGHT_BYTES / 1e6} MB.`);
  const jsonName = Object.keys(files).find((n) => n === 'model.json' || n.endsWith('/model.json'));
  if (!jsonName) throw new ModelImportError('the archive has no model.json.');
  const dir = jsonName.slice(0, jsonName.length - 'model.json'.length);
  let json: UntrustedModelJson;
  try {
    json = JSON.parse(strFromU8(files[jsonName])) as UntrustedModelJson;
  } catch (e) {
    throw new ModelImportError(`model.json is not valid JSON (${(e as Error).message}).`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) throw new ModelImportError('model.json has no modelTopology (is it a tfjs LayersModel?).');
  if (!Array.isArray(json.weightsManifest)) throw new ModelImportError('model.json has no weightsManifest.');
  const specs = json.weightsManifest.flatMap((g) => g.weights ?? []);
  const declared = declaredBytes(specs);
  if (declared > MAX_WEIGHT_BYTES) throw new ModelImportError(`the manifest declares ${(declared / 1e6).toFixed(0)} MB of weights; the limit is ${MAX_WEIGHT_BYTES / 1e6} MB.`);
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths ?? []) {
      const f = files[dir + p] ?? files[p];
      if (!f) throw new ModelImportError(`the weight file "${p}" named in model.json is missing from the archive.`);
      parts.push(f);
    }
  }
  return assembleArtifacts({ ...json, modelTopology: json.modelTopology, weightsManifest: json.weightsManifest }, parts, (d) => new ModelImportError(d));
}
