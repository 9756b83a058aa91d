/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import { AuditCancelledError } from '../core/audit/progress';
import { runAudit } from '../core/audit/runAudit';
import { fromArtifacts } from '../core/artifacts';
import { EmptyMaskError, type Mask } from '../core/mask';
import { greyFromRgba, saliencyMap, suggestedSaliencyThreshold } from '../core/saliency';
import { ModelImportError, unzipModel } from '../core/modelZip';
import { ModelCheckError } from '../core/modelCheck';
import { StorageReadError, StorageUnavailableError, StorageWriteError } from '../shared/kvStore';
import { transfersOf, type ErrorCode, type FromWorker, type Splits, type ToWorker } from '../protocol/messages';
import { BackendUnavailableError, initBackend, watchDeviceLoss } from './backend';
import { isTestHook, type TestHookMessage } from '../protocol/testHooks';
import { runTestHook } from './testHooks';
import { warmUp } from './warmup';
import { evaluate } from './evaluate';
import { newModelId } from './registry';
import { describeModel } from './modelInfo';
import { squashedPixels } from './pixels';
import type { Checkpoint } from './checkpoint';
import { gridOf } from '../core/graph';
import { scoresOf } from '../core/evaluation';
import { RunControl } from '../core/steer/control';
import { DivergenceError } from '../core/steer/run';
import { Session } from './session';
import { fetchShipped, SHIPPED_MODELS, shippedMeta } from './shipped';
import { exportZip, importedMeta } from './modelTransfer';
import { Previewer } from './preview';

const scope = self as unknown as {
  postMessage(msg: FromWorker, transfer: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};

function post(msg: FromWorker): void {
  scope.postMessage(msg, transfersOf(msg));
}

function codeOf(e: unknown): ErrorCode {
  if (e instanceof EmptyMaskError) return 'empty-mask';
  if (e instanceof DivergenceError) return 'non-finite';
  if (e instanceof BackendUnavailableError) return 'backend';
  if (e instanceof ModelImportError || e instanceof ModelCheckError) return 'import';
  if (e instanceof StorageUnavailableError || e instanceof StorageWriteError || e instanceof StorageReadError) return 'storage';
  return 'training';
}

function reportError(e: unknown, code: ErrorCode = codeOf(e)): void {
  const message = e instanceof Error ? e.message : String(e);
  console.error('[camsteer worker]', e);
  post({ type: 'error', code, message });
}

const session = new Session(post);
/** Requests run one after another; `waiting` counts the queued ones other than previews. */
let queue: Promise<void> = Promise.resolve();
let waiting = 0;
const previewer = new Previewer(session, post, {
  othersWaiting: () => waiting > 0,
  later: (job) => {
    queue = queue.then(() => job().catch((e) => reportError(e)));
  },
});
let control: RunControl | null = null;

/** The device is gone: stop, save nothing from it, and keep the checkpoint as the way back. */
function keepRunForResume(): void {
  if (!control) return;
  control.keepCheckpoint = true;
  control.discard = true;
  control.stop();
}

async function withControl(f: (c: RunControl) => Promise<void>): Promise<void> {
  const c = new RunControl();
  control = c;
  try {
    await f(c);
  } finally {
    control = null;
  }
}

/** Builds library metadata for an imported LayersModel (restoring a CamSteer export's record), checking it can be explained. */
async function importModel(fileName: string, data: ArrayBuffer): Promise<void> {
  const artifacts = unzipModel(new Uint8Array(data));
  let model;
  try {
    model = await fromArtifacts(artifacts);
  } catch (e) {
    if (e instanceof ModelCheckError) throw new ModelImportError(`${e.detail}.`);
    throw new ModelImportError(`tfjs could not build it (${(e as Error).message.split('\n')[0]}).`);
  }
  try {
    const meta = importedMeta(fileName, describeModel(model, artifacts), artifacts.userDefinedMetadata, newModelId(), Date.now());
    const warning = await session.registry.addArtifacts(meta, artifacts, model);
    if (warning) post({ type: 'storage', persistent: false, message: warning });
    post({ type: 'imported', id: meta.id });
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Adds the models shipped in public/models/ to the library (not persisted: they ship with the app). */
async function loadShipped(baseUrl: string): Promise<void> {
  for (const { name, label } of SHIPPED_MODELS) {
    try {
      const a = await fetchShipped(baseUrl, name);
      if (!a) continue;
      const model = await fromArtifacts(a);
      await session.registry.addArtifacts(shippedMeta(name, label, describeModel(model, a)), a, model, false);
    } catch (e) {
      post({ type: 'error', code: 'internal', message: `The shipped ${name} model could not be loaded: ${(e as Error).message}` });
    }
  }
}

/** The split by reference photo (public/data/splits.json); null when it is missing or unreadable. */
async function loadSplits(baseUrl: string): Promise<Splits | null> {
  const ids = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const missing = (why: string) => {
    post({ type: 'error', code: 'internal', message: `The data split (data/splits.json) could not be read (${why}); no photos are held out for testing.` });
    return null;
  };
  try {
    const res = await fetch(new URL('data/splits.json', baseUrl));
    if (!res.ok) return missing(`HTTP ${res.status}`);
    const json = (await res.json()) as Partial<Record<keyof Splits, unknown>>;
    return { train: ids(json.train), val: ids(json.val), test: ids(json.test) };
  } catch (e) {
    return missing(e instanceof Error ? e.message : String(e));
  }
}

/** The side a photo is read at for its saliency map (squashed, as the model and the mask see it). */
const SALIENCY_READ_SIZE = 240;

function saliencyOf(imageId: string): { map: Mask; suggested: number } {
  const bitmap = session.images.get(imageId);
  if (!bitmap) throw new Error(`the photo "${imageId}" is not loaded`);
  const map = saliencyMap(greyFromRgba(squashedPixels(bitmap, SALIENCY_READ_SIZE), SALIENCY_READ_SIZE, SALIENCY_READ_SIZE), SALIENCY_READ_SIZE, SALIENCY_READ_SIZE);
  return { map, suggested: suggestedSaliencyThreshold(map) };
}

/** Runs the audit of one model on the chosen photos (at the model's input size). */
async function auditModel(msg: { requestId: number; modelId: string; imageIds: string[] }, control: RunControl): Promise<void> {
  const meta = session.registry.meta(msg.modelId);
  const model = await session.registry.model(msg.modelId);
  const ids = msg.imageIds.filter((id) => session.images.has(id));
  if (!ids.length) throw new Error('Pick at least one photo to audit.');
  const images = ids.map((id) => session.data.auditInput(id, meta));
  try {
    const report = await runAudit(model, meta.layerName, images, {}, (p) => post({ type: 'auditProgress', requestId: msg.requestId, phase: p.phase, fraction: p.fraction }), () => control.stopped);
    post({ type: 'auditReport', requestId: msg.requestId, modelId: msg.modelId, imageIds: msg.imageIds, report });
  } catch (e) {
    if (!(e instanceof AuditCancelledError)) throw e;
    post({ type: 'auditProgress', requestId: msg.requestId, phase: 'cancelled', fraction: 1 });
  } finally {
    tf.dispose(images);
  }
}

function postCheckpoint(c: Checkpoint | null): void {
  post({ type: 'checkpoint', info: c ? { name: c.request.name, step: c.step, total: c.request.settings.steerSteps, savedAt: c.savedAt } : null });
}

async function handle(msg: Exclude<ToWorker, TestHookMessage>): Promise<void> {
  switch (msg.type) {
    case 'init': {
      post({ type: 'lifecycle', stage: 'checking', message: 'Checking backends' });
      const info = await initBackend(msg.backend);
      console.info('[camsteer worker] backend', info.name, info.reasons.join('; '));
      post({ type: 'backend', info });
      watchDeviceLoss((reason) => {
        keepRunForResume();
        post({ type: 'deviceLost', backend: info.name, reason });
      });
      post({ type: 'lifecycle', stage: 'warming', message: 'Warming up (compiling kernels)' });
      await warmUp();
      post({ type: 'lifecycle', stage: 'loading', message: 'Loading the model library' });
      const warning = await session.registry.init();
      await loadShipped(msg.baseUrl);
      const splits = await loadSplits(msg.baseUrl);
      const set = (ids: string[] | undefined) => (ids?.length ? new Set(ids) : null);
      session.testIds = set(splits?.test);
      session.valIds = set(splits?.val);
      post({ type: 'splits', splits });
      session.registry.ready();
      await session.checkpoints.open();
      postCheckpoint(await session.checkpoints.load());
      post({ type: 'storage', persistent: !warning, message: warning ?? 'Models are saved in this browser.' });
      post({ type: 'lifecycle', stage: 'ready', message: `Ready on ${info.name}` });
      return;
    }
    case 'setImages':
      session.setImages(msg.images);
      post({ type: 'imagesLoaded', ids: msg.images.map((i) => i.id) });
      return;
    case 'train':
      return withControl((c) => session.run(msg, c));
    case 'audit':
      return withControl((c) => auditModel(msg, c));
    case 'scores': {
      const meta = session.registry.meta(msg.modelId);
      const model = await session.registry.model(msg.modelId);
      const set = await session.data.labelled(meta, [msg.imageId], 7, 'whole');
      const predicted = await scoresOf(model, set, { outputIndex: meta.outputIndex });
      const rows = set.refIds.map((_, i) => ({ distortion: set.distortions[i], level: set.levels[i], label: set.score(i), predicted: predicted[i] }));
      post({ type: 'scores', requestId: msg.requestId, modelId: msg.modelId, imageId: msg.imageId, rows });
      return;
    }
    case 'resumeRun': {
      const c = await session.checkpoints.load();
      postCheckpoint(null);
      if (!c) throw new Error('There is no interrupted run to resume.');
      if (!session.registry.has(c.request.baseModelId)) {
        await session.checkpoints.clear();
        throw new Error('The interrupted run cannot be resumed: the model it started from is no longer in the library.');
      }
      return withControl((ctl) => session.run(c.request, ctl, c));
    }
    case 'saliency': {
      let result: { map: Mask; suggested: number } | { error: string };
      try {
        result = saliencyOf(msg.imageId);
      } catch (e) {
        result = { error: e instanceof Error ? e.message : String(e) };
      }
      post({ type: 'saliency', requestId: msg.requestId, imageId: msg.imageId, result });
      return;
    }
    case 'discardRun':
      await session.checkpoints.clear();
      postCheckpoint(null);
      return;
    case 'evaluate':
      return withControl((c) =>
        evaluate(msg, {
          registry: session.registry,
          images: session.images,
          data: session.data,
          testIds: session.testIds,
          post,
        }, c),
      );
    case 'renameModel':
      await session.registry.update(msg.id, { name: msg.name.trim() || 'Untitled model' });
      return;
    case 'configureModel': {
      const meta = session.registry.meta(msg.id);
      if (!(meta.camLayers ?? [meta.layerName]).includes(msg.layerName)) throw new Error(`Layer "${msg.layerName}" cannot be explained (no spatial output).`);
      if (msg.outputIndex < 0 || msg.outputIndex >= (meta.outputs ?? 1)) throw new Error(`Output ${msg.outputIndex} does not exist (the model has ${meta.outputs ?? 1}).`);
      const model = await session.registry.model(msg.id);
      await session.registry.update(msg.id, { layerName: msg.layerName, outputIndex: msg.outputIndex, grid: gridOf(model, msg.layerName), metrics: null });
      previewer.forget(msg.id);
      return;
    }
    case 'deleteModel':
      previewer.forget(msg.id);
      return session.registry.remove(msg.id);
    case 'preview':
      return previewer.run(msg);
    case 'duplicateModel': {
      const warning = await session.registry.duplicate(msg.id, newModelId());
      if (warning) post({ type: 'storage', persistent: false, message: warning });
      return;
    }
    case 'exportModel': {
      const { fileName, data } = exportZip(session.registry.meta(msg.id), session.registry.artifacts(msg.id));
      post({ type: 'modelZip', id: msg.id, fileName, data });
      return;
    }
    case 'importModel':
      return importModel(msg.fileName, msg.data);
    case 'pause':
      control?.pause();
      post({ type: 'paused', paused: true });
      return;
    case 'resume':
      control?.resume();
      post({ type: 'paused', paused: false });
      return;
    case 'stop':
      if (msg.discard && control) control.discard = true;
      control?.stop();
      return;
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}

/** Pause, resume, stop and saliency (and, in test builds, the fault hooks) act at once; everything else runs in arrival order. */
scope.onmessage = (ev) => {
  const data = ev.data;
  if (__TEST_HOOKS__ && isTestHook(data)) {
    try {
      runTestHook(data, keepRunForResume);
    } catch (e) {
      reportError(e);
    }
    return;
  }
  const msg = data as Exclude<ToWorker, TestHookMessage>;
  if (msg.type === 'preview') previewer.arrived(msg.requestId);
  const run = () => handle(msg).catch((e) => reportError(e, msg.type === 'init' ? 'backend' : undefined));
  if (['pause', 'resume', 'stop', 'saliency'].includes(msg.type)) {
    void run();
  } else if (msg.type === 'preview') {
    queue = queue.then(run);
  } else {
    waiting++;
    queue = queue.then(() => {
      waiting--;
      return run();
    });
  }
};
