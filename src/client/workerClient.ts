import { MAX_WATCHED, SETTING_LIMITS, type TrainSettings } from '../core/config';
import { MAX_ZIP_BYTES } from '../core/limits';
import { areaFraction, assertSteerable } from '../core/mask';
import type { Mask } from '../core/mask';
import type { BackendChoice, BackendInfo, FromWorker, ImagePayload, ModelMeta, ModelMetrics, ToWorker } from '../protocol/messages';
import type { TestHookMessage } from '../protocol/testHooks';
import { storageOffForTests } from './testHooks';
import { maskOf, useStore, type PhotoEntry } from '../state/store';

/** Largest side an image is sent to the worker at; the model input is far smaller. */
const MAX_WORKER_SIDE = 1024;

/**
 * The one place the UI talks to the training worker. Created once; replies are routed
 * into the store. Commands are plain methods.
 */
type DoneMsg = Extract<FromWorker, { type: 'done' }>;

class WorkerClient {
  private worker: Worker | null = null;
  /** Waiters for the current run's end (the reproduction chains runs). */
  private runWaiters: { resolve(d: DoneMsg): void; reject(e: Error): void }[] = [];
  /** Evaluations whose per-model metrics are awaited (not shown in the grid). */
  private pendingEvals = new Map<number, { want: Set<string>; got: Record<string, ModelMetrics>; resolve(m: Record<string, ModelMetrics>): void; reject(e: Error): void }>();
  private backend: BackendChoice = 'auto';
  private crashes: number[] = [];

  private get store() {
    return useStore.getState();
  }

  start(backend: BackendChoice): void {
    this.backend = backend;
    this.worker?.terminate();
    const worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module', name: 'camsteer-training' });
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this.route(ev.data);
    worker.onerror = (ev) => {
      ev.preventDefault();
      this.onCrash(ev.message || 'unknown error');
    };
    this.worker = worker;
    this.store.setStage('checking', 'Starting the training worker');
    if (__TEST_HOOKS__ && storageOffForTests()) this.sendTestHook({ type: 'simulateNoStorage' });
    this.send({ type: 'init', backend, baseUrl: new URL(import.meta.env.BASE_URL, location.href).href });
  }

  /**
   * A crashed worker is restarted (at most 3 times a minute) with the same backend and
   * images; the model library lives in IndexedDB, so nothing saved is lost.
   */
  private onCrash(detail: string): void {
    const s = this.store;
    this.failWaiters(new Error(`the worker crashed (${detail})`));
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now];
    if (s.running) s.finishRun({ stopped: true, steps: s.step, seconds: 0 });
    s.setEvalProgress(s.evalRequestId, null);
    if (this.crashes.length > 3) {
      s.setStage('failed', 'Worker crashed');
      s.setError({ code: 'worker', message: `The training worker crashed again (${detail}). Reload the page; saved models are kept.` });
      return;
    }
    s.setError({ code: 'worker', message: `The training worker crashed (${detail}); it was restarted. Saved models are kept; an unsaved run was lost.` });
    this.start(this.backend);
    this.resendImages();
  }

  /** Test hooks: make the worker crash, or lose its GPU device. */
  /** Fault injection (test builds only; a production build drops the call). */
  sendTestHook(msg: TestHookMessage): void {
    if (__TEST_HOOKS__) this.send(msg);
  }

  private send(msg: ToWorker, transfer: Transferable[] = []): void {
    if (!this.worker) throw new Error('The training worker is not running');
    this.worker.postMessage(msg, transfer);
  }

  async setImages(photos: PhotoEntry[]): Promise<void> {
    const images: ImagePayload[] = await Promise.all(
      photos.map(async (p) => ({ id: p.id, name: p.name, bitmap: await decodeForWorker(p.url) })),
    );
    this.send({ type: 'setImages', images }, images.map((i) => i.bitmap));
  }

  train(): void {
    const s = this.store;
    if (!s.selectedId) return s.setError({ code: 'input', message: 'Pick a photo first.' });
    const mask = maskOf(s, s.selectedId);
    try {
      assertSteerable(mask);
    } catch (e) {
      return s.setError({ code: 'empty-mask', message: (e as Error).message });
    }
    const settings = clampSettings(s.settings);
    const photo = s.photos.find((p) => p.id === s.selectedId);
    const name = `Steered · ${photo?.name ?? s.selectedId} · mask ${(areaFraction(mask) * 100).toFixed(0)}%`;
    const watch = Object.fromEntries(
      s.compareImageIds.filter((id) => id !== s.selectedId && s.photos.some((p) => p.id === id)).slice(0, MAX_WATCHED).map((id) => [id, maskOf(s, id)]),
    );
    s.startRun();
    this.send({ type: 'train', settings, baseModelId: s.baseModelId, targetImageId: s.selectedId, mask, name, watch });
  }

  private nextRequest = 1;
  private pendingSaliency = new Map<number, { resolve(r: { map: Mask; suggested: number }): void; reject(e: Error): void }>();

  /** Starts a training run with explicit parameters; resolves when it ends (rejects on error). */
  trainWith(req: Omit<Extract<ToWorker, { type: 'train' }>, 'type'>): Promise<DoneMsg> {
    const done = new Promise<DoneMsg>((resolve, reject) => this.runWaiters.push({ resolve, reject }));
    this.store.startRun();
    this.send({ type: 'train', ...req });
    return done;
  }

  /** Metrics of models against given masks, without touching the grid. */
  metricsOf(modelIds: string[], imageIds: string[], masksByModel: Record<string, Record<string, Mask>>): Promise<Record<string, ModelMetrics>> {
    const requestId = this.nextRequest++;
    const p = new Promise<Record<string, ModelMetrics>>((resolve, reject) =>
      this.pendingEvals.set(requestId, { want: new Set(modelIds), got: {}, resolve, reject }),
    );
    this.send({ type: 'evaluate', requestId, modelIds, imageIds, method: 'gradcam', masks: {}, masksByModel });
    return p;
  }

  /** Saliency maps of a photo, computed in the worker (the salient preset, the reproduction's masks). */
  saliency(imageId: string): Promise<{ map: Mask; suggested: number }> {
    const requestId = this.nextRequest++;
    const p = new Promise<{ map: Mask; suggested: number }>((resolve, reject) => this.pendingSaliency.set(requestId, { resolve, reject }));
    this.send({ type: 'saliency', requestId, imageId });
    return p;
  }

  private failWaiters(e: Error): void {
    this.discarding = false;
    this.runWaiters.splice(0).forEach((w) => w.reject(e));
    for (const p of this.pendingSaliency.values()) p.reject(e);
    this.pendingSaliency.clear();
    for (const [id, p] of this.pendingEvals) {
      p.reject(e);
      this.pendingEvals.delete(id);
    }
  }

  /** Re-renders the compare grid: every chosen model on every chosen image, with the current mask. */
  evaluate(): void {
    const s = this.store;
    const imageIds = s.compareImageIds.filter((id) => s.photos.some((p) => p.id === id));
    if (!s.compareModelIds.length || !imageIds.length) return;
    const requestId = this.nextRequest++;
    s.beginEvaluation(requestId);
    const masks = Object.fromEntries(imageIds.map((id) => [id, maskOf(s, id)]));
    this.send({ type: 'evaluate', requestId, modelIds: s.compareModelIds, imageIds, method: s.camMethod, masks });
  }

  /** Audits one model on the compare grid's photos. */
  audit(modelId: string): void {
    const s = this.store;
    const imageIds = s.compareImageIds.filter((id) => s.photos.some((p) => p.id === id));
    if (!imageIds.length) return s.setError({ code: 'input', message: 'Pick at least one photo (tick it above) to audit.' });
    const requestId = this.nextRequest++;
    s.beginAudit(requestId);
    this.send({ type: 'audit', requestId, modelId, imageIds });
  }

  /**
   * See before you train: asks for the base model's heatmap of the selected photo against its
   * mask and the base's validation SRCC. Nothing while a run trains (its own 'before' frame
   * stands); with no base (a new baseline is trained first) the old preview is dropped.
   */
  preview(): void {
    const s = this.store;
    if (s.stage !== 'ready' || s.running || !s.selectedId || !s.photos.some((p) => p.id === s.selectedId)) return;
    if (!s.baseModelId || !s.models.some((m) => m.id === s.baseModelId)) return s.clearPreview();
    const requestId = this.nextRequest++;
    s.beginPreview(requestId, s.baseModelId);
    this.send({ type: 'preview', requestId, modelId: s.baseModelId, imageId: s.selectedId, mask: maskOf(s, s.selectedId), layerName: s.settings.targetLayer || undefined });
  }

  /** Cancels the audit in progress (between its steps); says so until the worker confirms. */
  cancelAudit(): void {
    this.store.setAuditNote('Cancelling the audit…');
    this.send({ type: 'stop' });
  }

  /** Asks for a model's predicted scores next to the labels of a photo's distorted copies. */
  scores(modelId: string, imageId: string): void {
    this.store.setScoreTable(null);
    this.send({ type: 'scores', requestId: this.nextRequest++, modelId, imageId });
  }

  renameModel(id: string, name: string): void {
    this.send({ type: 'renameModel', id, name });
  }
  configureModel(id: string, layerName: string, outputIndex: number): void {
    this.send({ type: 'configureModel', id, layerName, outputIndex });
  }
  deleteModel(id: string): void {
    this.send({ type: 'deleteModel', id });
  }
  duplicateModel(id: string): void {
    this.send({ type: 'duplicateModel', id });
  }
  exportModel(id: string): void {
    this.send({ type: 'exportModel', id });
  }
  /** Sends the photos to a restarted worker; a failure becomes a message. */
  resendImages(): void {
    this.setImages(this.store.photos).catch((e: Error) => this.store.setError({ code: 'worker', message: `The photos could not be sent to the restarted worker (${e.message}).` }));
  }

  async importModel(file: File): Promise<void> {
    if (file.size > MAX_ZIP_BYTES) throw new Error(`"${file.name}" is ${(file.size / 1e6).toFixed(0)} MB; a model zip may be at most ${MAX_ZIP_BYTES / 1e6} MB.`);
    const data = await file.arrayBuffer();
    this.send({ type: 'importModel', fileName: file.name, data }, [data]);
  }

  /** Continues the interrupted run found at start-up, or forgets it. */
  resumeInterrupted(): void {
    const s = this.store;
    s.startRun();
    s.setInterrupted(null);
    this.send({ type: 'resumeRun' });
  }
  discardInterrupted(): void {
    this.store.setInterrupted(null);
    this.send({ type: 'discardRun' });
  }

  pause(): void {
    this.send({ type: 'pause' });
  }
  resume(): void {
    this.send({ type: 'resume' });
  }
  stop(): void {
    this.send({ type: 'stop' });
  }
  /** Stops the run without keeping its model and shows the baseline again. */
  resetToBaseline(): void {
    if (this.store.running) {
      this.discarding = true;
      this.send({ type: 'stop', discard: true });
    }
    this.store.clearSteered();
  }

  /** True between "Reset to baseline" and the run's end: its late heatmaps are dropped. */
  private discarding = false;

  private route(msg: FromWorker): void {
    const s = this.store;
    switch (msg.type) {
      case 'lifecycle':
        s.setStage(msg.stage, msg.message);
        return;
      case 'backend':
        s.setBackend(msg.info);
        return;
      case 'imagesLoaded':
        s.imagesLoaded();
        return;
      case 'preview':
        s.setPreview(msg.requestId, msg.frame);
        return;
      case 'baseQuality':
        s.setBaseQuality(msg.modelId, { srcc: msg.srcc, images: msg.images });
        return;
      case 'imported':
        // an imported model joins the compare grid, as a trained one does
        if (!s.compareModelIds.includes(msg.id)) s.toggleCompareModel(msg.id);
        return;
      case 'progress':
        s.setProgress(msg);
        return;
      case 'scores':
        s.setScoreTable({ modelId: msg.modelId, imageId: msg.imageId, rows: msg.rows });
        return;
      case 'validation':
        s.addValSrcc(msg.step, msg.srcc, msg.base);
        return;
      case 'heatmap':
        if (!this.discarding) s.setFrame(msg.frame);
        return;
      case 'paused':
        s.setPaused(msg.paused);
        return;
      case 'done':
        s.finishRun({ stopped: msg.stopped, steps: msg.steps, seconds: msg.seconds, guard: msg.guard, quality: msg.quality });
        if (this.discarding) {
          this.discarding = false;
          s.clearSteered();
        }
        this.runWaiters.splice(0).forEach((w) => w.resolve(msg));
        if (msg.modelId && !s.compareModelIds.includes(msg.modelId)) s.toggleCompareModel(msg.modelId);
        // a baseline trained by this run becomes the base of the next one
        if (msg.baseModelId && !s.baseModelId) s.setBaseModelId(msg.baseModelId);
        return;
      case 'models': {
        s.setModels(msg.models);
        const base = defaultBase(msg.models, s.backend);
        if (!s.baseChosen && base && s.baseModelId !== base.id) s.setBaseModelId(base.id);
        if (base && !s.compareModelIds.length) s.toggleCompareModel(base.id);
        return;
      }
      case 'storage':
        s.setStorage({ persistent: msg.persistent, message: msg.message });
        if (!msg.persistent) s.setError({ code: 'storage', message: msg.message });
        return;
      case 'modelZip':
        download(new Blob([msg.data as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), msg.fileName);
        return;
      case 'cell':
        s.setCell(msg.requestId, msg.cell);
        return;
      case 'evalProgress':
        s.setEvalProgress(msg.requestId, msg.done >= msg.total ? null : { done: msg.done, total: msg.total });
        return;
      case 'evaluation': {
        const p = this.pendingEvals.get(msg.requestId);
        if (!p) return;
        p.got[msg.modelId] = msg.metrics;
        if (Object.keys(p.got).length >= p.want.size) {
          this.pendingEvals.delete(msg.requestId);
          p.resolve(p.got);
        }
        return;
      }
      case 'auditProgress':
        s.setAuditProgress(msg.requestId, msg.phase === 'cancelled' ? null : { phase: msg.phase, fraction: msg.fraction });
        if (msg.phase === 'cancelled' && msg.requestId === s.auditRequestId) s.setAuditNote('Audit cancelled: no report was made. Run audit starts it again.');
        return;
      case 'auditReport':
        s.setAuditReport(msg.requestId, msg.modelId, msg.imageIds, msg.report);
        return;
      case 'checkpoint':
        s.setInterrupted(msg.info);
        return;
      case 'deviceLost': {
        this.failWaiters(new Error(`the GPU device was lost (${msg.reason})`));
        const fallback: BackendChoice = msg.backend === 'webgpu' ? 'webgl' : 'wasm';
        if (s.running) s.finishRun({ stopped: true, steps: s.step, seconds: 0 });
        s.setEvalProgress(s.evalRequestId, null);
        s.setError({
          code: 'backend',
          message: `The GPU device was lost (${msg.reason}). The worker restarted on ${fallback}; saved models are kept. Run Fine-tune again to continue.`,
        });
        this.start(fallback);
        this.resendImages();
        return;
      }
      case 'saliency': {
        const p = this.pendingSaliency.get(msg.requestId);
        this.pendingSaliency.delete(msg.requestId);
        if ('error' in msg.result) p?.reject(new Error(msg.result.error));
        else p?.resolve(msg.result);
        return;
      }
      case 'splits':
        s.setSplits(msg.splits);
        return;
      case 'error':
        s.setError({ code: msg.code, message: msg.message });
        if (msg.code !== 'internal' && msg.code !== 'storage') this.failWaiters(new Error(msg.message));
        if (msg.code === 'backend') s.setStage('failed', 'No backend');
        if (s.running) s.finishRun({ stopped: true, steps: s.step, seconds: 0 });
        s.setEvalProgress(s.evalRequestId, null);
        if (s.auditProgress) s.setAuditNote(`The audit stopped: ${msg.message}`);
        s.setAuditProgress(s.auditRequestId, null);
        return;
      default: {
        const never: never = msg;
        console.warn('unknown worker message', never);
      }
    }
  }
}

/**
 * The model steering starts from when the user has not chosen one: the shipped MobileNetV2 on
 * a hardware GPU, the shipped tiny model otherwise, else the newest baseline trained here.
 */
export function defaultBase(models: ModelMeta[], backend: BackendInfo | null): ModelMeta | undefined {
  const hardware = (backend?.name === 'webgpu' && backend.fallbackAdapter === false) || (backend?.name === 'webgl' && !/swiftshader|llvmpipe|software/i.test(backend.adapter));
  const byId = (id: string) => models.find((m) => m.id === id);
  return (hardware ? byId('shipped-mobilenetv2') : undefined) ?? byId('shipped-tiny') ?? [...models].reverse().find((m) => m.kind === 'baseline');
}

/** Clamps every numeric setting into SETTING_LIMITS; non-numbers fall back to the minimum. */
export function clampSettings(s: TrainSettings): TrainSettings {
  const out = { ...s };
  for (const [key, { min, max }] of Object.entries(SETTING_LIMITS) as [keyof typeof SETTING_LIMITS, { min: number; max: number }][]) {
    const v = Number(out[key]);
    out[key] = Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : min;
  }
  out.inputSize = Math.round(out.inputSize / 4) * 4;
  return out;
}

/** Fetches and decodes an image, downscaled so its longest side is at most MAX_WORKER_SIDE. */
async function decodeForWorker(url: string): Promise<ImageBitmap> {
  const blob = await (await fetch(url)).blob();
  const full = await createImageBitmap(blob);
  const scale = Math.min(1, MAX_WORKER_SIDE / Math.max(full.width, full.height));
  if (scale === 1) return full;
  const small = await createImageBitmap(full, { resizeWidth: Math.round(full.width * scale), resizeHeight: Math.round(full.height * scale), resizeQuality: 'high' });
  full.close();
  return small;
}

/** Saves a blob as a file download. */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const client = new WorkerClient();
