import * as tf from '@tensorflow/tfjs';

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
 * StoredArtifacts from a model.json and its weight files (in manifest order), after checking
 * that the files hold exactly the bytes the manifest's shapes need.
 */
export function assembleArtifacts(json: ModelJson, parts: Uint8Array[], fail: (detail: string) => Error): StoredArtifacts {
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights ?? []);
  const need = declaredBytes(weightSpecs);
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  if (total !== need) throw fail(`the weight files hold ${total} bytes but the manifest's shapes need ${need}.`);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    weightData.set(p, o);
    o += p.byteLength;
  }
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
 * A LayersModel from its artifacts: the topology deserialised, then the weights set by
 * `loadWeights` inside a tidy. (tfjs-layers 4.22's own loader leaks one tensor per weight with
 * a Keras constraint: `LayerVariable.write` never disposes `constraint.apply`'s result. The tidy
 * frees it; variables are not freed by a tidy.) Optimizer weights in the manifest are ignored.
 */
export async function fromArtifacts(a: StoredArtifacts): Promise<tf.LayersModel> {
  const model = await tf.models.modelFromJSON({ modelTopology: a.modelTopology } as Parameters<typeof tf.models.modelFromJSON>[0]);
  try {
    const values = tf.io.decodeWeights(a.weightData, a.weightSpecs);
    try {
      const own = Object.fromEntries(a.weightSpecs.filter((s) => s.group !== 'optimizer').map((s) => [s.name, values[s.name]]));
      tf.tidy(() => model.loadWeights(own));
    } finally {
      tf.dispose(Object.values(values));
    }
    if (a.userDefinedMetadata) model.setUserDefinedMetadata(a.userDefinedMetadata);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Bytes a weights manifest declares. */
export function declaredBytes(specs: tf.io.WeightsManifestEntry[]): number {
  const size: Record<string, number> = { float32: 4, int32: 4, bool: 1, string: 1, complex64: 8 };
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.quantization ? s.quantization.dtype === 'uint8' ? 1 : 2 : size[s.dtype] ?? 4), 0);
}
