/// <reference lib="webworker" />
/**
 * The browser side of `npm run bench`: starts the backend the page asks for with the app's
 * own initBackend (src/backends/browser.ts) (which registers the training kernels on wasm/cpu), builds or fetches the
 * model, and times the real training step with the same code as the Node environments
 * (./measure.ts). Live-view frames are posted to the page with their buffers transferred, as
 * the training worker does.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../backends/browser';
import { fromArtifacts } from '../core/artifacts';
import { BUILTIN_MODELS, isBuiltinModel, measureTraining, type BenchModelInfo } from './measure';
import { camLayerOf, fetchArtifacts } from './models';
import type { BenchRequest, FromBenchWorker, ToBenchWorker } from './protocol';

const scope = self as unknown as {
  postMessage(msg: FromBenchWorker, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToBenchWorker>) => void) | null;
};

function post(msg: FromBenchWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

/** A built-in model, or a shipped one from public/models/<name>/ on this origin. */
async function loadModel(id: string, baseUrl: string): Promise<{ model: tf.LayersModel; info: BenchModelInfo }> {
  if (isBuiltinModel(id)) {
    const b = BUILTIN_MODELS[id];
    return { model: b.build(), info: { id, inputSize: b.inputSize, layerName: b.layerName } };
  }
  const name = id.replace(/^models\//, '');
  const artifacts = await fetchArtifacts(baseUrl, name);
  const model = await fromArtifacts(artifacts);
  // a fully convolutional model (input of any size) is timed at 224 px, the size of its training crops
  return { model, info: { id, inputSize: model.inputs[0].shape[1] ?? 224, layerName: camLayerOf(model, artifacts.userDefinedMetadata) } };
}

async function run(req: BenchRequest): Promise<void> {
  post({ type: 'status', message: `starting backend ${req.backend}` });
  const backend = await initBackend(req.backend);
  if (backend.name !== req.backend) {
    throw new Error(`asked for ${req.backend}, initBackend started ${backend.name}: ${backend.reasons.join('; ')}`);
  }
  post({ type: 'status', message: `backend ${backend.name} (${backend.adapter}); loading model ${req.model}` });
  const { model, info } = await loadModel(req.model, req.baseUrl);
  let posted = 0;
  try {
    post({ type: 'status', message: `timing ${info.id} at ${info.inputSize} px, batch ${req.batch}` });
    const row = await measureTraining(`chromium-${backend.name}`, model, info, req, {
      onFrame: (frame) => {
        posted++;
        post({ type: 'frame', frame }, [frame.data.buffer]);
      },
      onProgress: (done, total) => post({ type: 'progress', done, total }),
    });
    row.backend = { name: backend.name, adapter: backend.adapter, fallbackAdapter: backend.fallbackAdapter, reasons: backend.reasons };
    if (backend.name === 'wasm') row.wasmThreads = getThreadsCount();
    row.frames = { posted };
    row.userAgent = navigator.userAgent;
    post({ type: 'result', row });
  } finally {
    model.dispose();
  }
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'run':
      run(msg.request).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
      break;
    default: {
      const never: never = msg.type;
      post({ type: 'error', message: `unknown message ${String(never)}` });
    }
  }
};
