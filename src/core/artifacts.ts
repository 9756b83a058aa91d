import * as tf from '@tensorflow/tfjs';
import { checkFiniteScore, checkFiniteWeights, checkManifest, checkTopology, entryBytes, guardedBuild, ModelCheckError } from './modelCheck';

/** A LayersModel in the files of the tfjs format, weights joined in one buffer. */
export interface StoredArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  userDefinedMetadata?: Record<string, unknown>;
}

/** The parts of a tfjs model.json that hold a LayersModel. */
export interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * Checks an untrusted model.json before any weight file is read or any layer built (weights
 * manifest, then topology; modelCheck) and returns the weight bytes its manifest declares.
 * Throws ModelCheckError.
 */
export function checkModelJson(topology: unknown, specs: unknown[]): number {
  const bytes = checkManifest(specs);
  checkTopology(topology, specs as tf.io.WeightsManifestEntry[]);
  return bytes;
}

/** `f()`, with a ModelCheckError turned into the caller's error (`fail(detail)`). */
export function asCallerError<T>(f: () => T, fail: (detail: string) => Error): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ModelCheckError) throw fail(e.detail);
    throw e;
  }
}

/**
 * StoredArtifacts from a model.json and its weight files (in manifest order), after checking
 * the manifest and topology, that the files hold exactly the bytes the manifest's shapes need,
 * and that every weight is finite.
 */
export function assembleArtifacts(json: ModelJson, parts: Uint8Array[], fail: (detail: string) => Error): StoredArtifacts {
  const weightSpecs = json.weightsManifest.flatMap((g) => g?.weights ?? []);
  const need = asCallerError(() => checkModelJson(json.modelTopology, weightSpecs), fail);
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  if (total !== need) throw fail(`the weight files hold ${total} bytes but the manifest's shapes need ${need}.`);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    weightData.set(p, o);
    o += p.byteLength;
  }
  asCallerError(() => checkFiniteWeights(weightSpecs, weightData.buffer), fail);
  return { modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer, userDefinedMetadata: json.userDefinedMetadata };
}

export async function toArtifacts(model: tf.LayersModel, userDefinedMetadata?: Record<string, unknown>): Promise<StoredArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: false },
  );
  if (!saved?.modelTopology || !saved.weightSpecs || !saved.weightData) throw new Error('the model could not be serialised');
  return {
    modelTopology: saved.modelTopology as object,
    weightSpecs: saved.weightSpecs,
    weightData: tf.io.concatenateArrayBuffers(saved.weightData as ArrayBuffer | ArrayBuffer[]),
    userDefinedMetadata,
  };
}

/**
 * A LayersModel from its artifacts: the topology deserialised (every weight a layer asks for
 * counted against the manifest before it is allocated, modelCheck.guardedBuild), then the
 * weights set by `loadWeights` inside a tidy, then its score on a plain grey image checked
 * finite (modelCheck.checkFiniteScore); a ModelCheckError when a check fails. (tfjs-layers
 * 4.22's own loader leaks one tensor per weight with a Keras constraint: `LayerVariable.write`
 * never disposes `constraint.apply`'s result. The tidy frees it; variables are not freed by a
 * tidy.) Optimizer weights in the manifest are ignored.
 */
export async function fromArtifacts(a: StoredArtifacts): Promise<tf.LayersModel> {
  const model = await guardedBuild(a.modelTopology, a.weightSpecs);
  try {
    const values = tf.io.decodeWeights(a.weightData, a.weightSpecs);
    try {
      const own = Object.fromEntries(a.weightSpecs.filter((s) => s.group !== 'optimizer').map((s) => [s.name, values[s.name]]));
      tf.tidy(() => model.loadWeights(own));
    } finally {
      tf.dispose(Object.values(values));
    }
    if (a.userDefinedMetadata) model.setUserDefinedMetadata(a.userDefinedMetadata);
    await checkFiniteScore(model);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Bytes a weights manifest declares (NaN when an entry's shape or dtype is not valid). */
export function declaredBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((n, s) => n + entryBytes(s), 0);
}
