import * as tf from '@tensorflow/tfjs';

/** A LayersModel in the files of the tfjs format, weights joined in one buffer. */
export interface StoredArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  userDefinedMetadata?: Record<string, unknown>;
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out.buffer;
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
    weightData: joinBuffers(saved.weightData as ArrayBuffer | ArrayBuffer[]),
    userDefinedMetadata,
  };
}

export function fromArtifacts(a: StoredArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData, userDefinedMetadata: a.userDefinedMetadata as object | undefined }),
  );
}

/** Bytes a weights manifest declares. */
export function declaredBytes(specs: tf.io.WeightsManifestEntry[]): number {
  const size: Record<string, number> = { float32: 4, int32: 4, bool: 1, string: 1, complex64: 8 };
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.quantization ? s.quantization.dtype === 'uint8' ? 1 : 2 : size[s.dtype] ?? 4), 0);
}
