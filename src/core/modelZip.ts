import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { asCallerError, assembleArtifacts, checkModelJson, type ModelJson, type StoredArtifacts } from './artifacts';
import { MAX_MODEL_JSON_BYTES, MAX_UNZIPPED_BYTES, MAX_ZIP_BYTES, MAX_ZIP_ENTRIES } from './limits';
import { manifestGroups, weightPathProblem } from './modelCheck';

/** model.json as read from an untrusted file: every field may be missing. */
type UntrustedModelJson = Partial<ModelJson>;

// The limits live in ./limits (shared with the CLI); re-exported for the importers of this module.
export { MAX_WEIGHT_BYTES, MAX_ZIP_BYTES } from './limits';

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

interface ZipEntry {
  name: string;
  /** Unpacked size, from the zip's central directory (what fflate allocates for it). */
  size: number;
}

/** The entries of a zip from its central directory, nothing inflated. */
function listEntries(data: Uint8Array): ZipEntry[] {
  const entries: ZipEntry[] = [];
  try {
    unzipSync(data, {
      filter: (f) => {
        entries.push({ name: f.name, size: f.originalSize });
        return false;
      },
    });
  } catch (e) {
    throw new ModelImportError(`it is not a readable zip archive (${(e as Error).message}).`);
  }
  return entries;
}

/** Inflates only the named entries (each into a buffer of its directory size, never more). */
function inflate(data: Uint8Array, names: Set<string>): Record<string, Uint8Array> {
  try {
    return unzipSync(data, { filter: (f) => names.has(f.name) });
  } catch (e) {
    throw new ModelImportError(`the zip archive is corrupt (${(e as Error).message}).`);
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;

/** Refuses a zip whose directory holds too many entries or unpacks past MAX_UNZIPPED_BYTES in all. */
function checkDirectory(entries: ZipEntry[]): void {
  if (entries.length > MAX_ZIP_ENTRIES) throw new ModelImportError(`the archive holds ${entries.length} files; a model has at most ${MAX_ZIP_ENTRIES}.`);
  const total = entries.reduce((n, e) => n + e.size, 0);
  if (total > MAX_UNZIPPED_BYTES) throw new ModelImportError(`the archive would unpack to ${mb(total)}; the limit is ${mb(MAX_UNZIPPED_BYTES)} (a zip bomb?).`);
}

/**
 * Reads a zipped tfjs LayersModel (model.json + its weight files, possibly sharded) and
 * checks it before anything is built. Every limit is checked before the work it protects:
 * the entry count and the total unpacked size from the zip's directory before anything is
 * inflated; model.json's size before it is inflated; the manifest and topology
 * (artifacts.checkModelJson) and the weight files' sizes against the manifest before any
 * weight file is inflated; then the weights' values (finite).
 */
export function unzipModel(data: Uint8Array): StoredArtifacts {
  if (data.byteLength > MAX_ZIP_BYTES) throw new ModelImportError(`the file is ${mb(data.byteLength)}; the limit is ${mb(MAX_ZIP_BYTES)}.`);
  const entries = listEntries(data);
  checkDirectory(entries);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const jsonEntry = entries.find((e) => e.name === 'model.json' || e.name.endsWith('/model.json'));
  if (!jsonEntry) throw new ModelImportError('the archive has no model.json.');
  if (jsonEntry.size > MAX_MODEL_JSON_BYTES) throw new ModelImportError(`its model.json would unpack to ${mb(jsonEntry.size)}; the limit is ${mb(MAX_MODEL_JSON_BYTES)}.`);
  const dir = jsonEntry.name.slice(0, jsonEntry.name.length - 'model.json'.length);
  let json: UntrustedModelJson;
  try {
    json = JSON.parse(strFromU8(inflate(data, new Set([jsonEntry.name]))[jsonEntry.name])) as UntrustedModelJson;
  } catch (e) {
    if (e instanceof ModelImportError) throw e;
    throw new ModelImportError(`model.json is not valid JSON (${(e as Error).message}).`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) throw new ModelImportError('model.json has no modelTopology (is it a tfjs LayersModel?).');
  if (!Array.isArray(json.weightsManifest)) throw new ModelImportError('model.json has no weightsManifest.');
  const fail = (d: string) => new ModelImportError(`${d}.`);
  const groups = asCallerError(() => manifestGroups(json.weightsManifest), fail);
  const specs = groups.flatMap((g) => g.weights);
  const declared = asCallerError(() => checkModelJson(json.modelTopology, specs), fail);
  const names: string[] = [];
  for (const group of groups) {
    for (const p of group.paths) {
      const bad = weightPathProblem(p);
      if (bad) throw new ModelImportError(`the weight path ${JSON.stringify(p)} in model.json is refused: ${bad}.`);
      const entry = byName.get(dir + (p as string)) ?? byName.get(p as string);
      if (!entry) throw new ModelImportError(`the weight file "${p}" named in model.json is missing from the archive.`);
      names.push(entry.name);
    }
  }
  const held = names.reduce((n, name) => n + byName.get(name)!.size, 0);
  if (held !== declared) throw new ModelImportError(`the weight files hold ${held} bytes but the manifest's shapes need ${declared}.`);
  const files = inflate(data, new Set(names));
  const parts = names.map((n) => files[n]);
  return assembleArtifacts({ ...json, modelTopology: json.modelTopology, weightsManifest: json.weightsManifest }, parts, (d) => new ModelImportError(/[.)]$/.test(d) ? d : `${d}.`));
}
