import { DEFAULT_SETTINGS } from '../core/config';
import { splitModel } from '../core/graph';
import { srccOf } from '../core/steer/recipe';
import type { FromWorker, ToWorker } from '../protocol/messages';
import type { Session } from './session';

type PreviewRequest = Extract<ToWorker, { type: 'preview' }>;

/**
 * "See before you train": a base model's GradCAM of the chosen photo against the mask, then its
 * validation SRCC (on the same validation set, at the default seed, that the quality guard of a
 * steering run measures it on; cached per model). Requests queue behind other work in the
 * worker; one overtaken by a newer request is dropped, so a quick succession of photo, base and
 * mask changes costs one heatmap. The SRCC (seconds: the validation photos' distorted copies are
 * made and labelled first) waits until no other request is queued, so a Fine-tune pressed
 * meanwhile starts first.
 */
export class Previewer {
  private latest = 0;
  private readonly quality = new Map<string, { srcc: number | null; images: number }>();

  constructor(
    private readonly session: Session,
    private readonly post: (msg: FromWorker) => void,
    /** Queue plumbing of the host: whether other requests wait, and a job to run after them. */
    private readonly queue: { othersWaiting(): boolean; later(job: () => Promise<void>): void },
  ) {}

  /** Called when a request arrives (before it is queued): it makes older ones stale. */
  arrived(requestId: number): void {
    this.latest = Math.max(this.latest, requestId);
  }

  /** Forgets a model's cached SRCC (its explained output changed, or it is gone). */
  forget(modelId: string): void {
    this.quality.delete(modelId);
  }

  private stale(msg: PreviewRequest): boolean {
    return msg.requestId !== this.latest;
  }

  async run(msg: PreviewRequest): Promise<void> {
    const { session } = this;
    // a photo or model that went away meanwhile (a newer request follows) is no error
    if (this.stale(msg) || !session.images.has(msg.imageId) || !session.registry.has(msg.modelId)) return;
    const meta = session.registry.meta(msg.modelId);
    const model = await session.registry.model(msg.modelId);
    const layerName = msg.layerName && (meta.camLayers ?? []).includes(msg.layerName) ? msg.layerName : meta.layerName;
    const x = session.data.input(msg.imageId, meta);
    try {
      const frame = await session.heatmap(splitModel(model, layerName, meta.outputIndex), x, msg.mask, 'before', msg.imageId, 0);
      this.post({ type: 'preview', requestId: msg.requestId, modelId: msg.modelId, frame });
    } finally {
      x.dispose();
    }
    const known = this.quality.get(msg.modelId);
    if (known) this.post({ type: 'baseQuality', modelId: msg.modelId, ...known });
    else this.queue.later(() => this.measure(msg));
  }

  /** The model's validation SRCC, unless the request went stale; after any other queued request. */
  private async measure(msg: PreviewRequest): Promise<void> {
    if (this.stale(msg) || !this.session.registry.has(msg.modelId)) return;
    if (this.queue.othersWaiting()) return this.queue.later(() => this.measure(msg));
    let q = this.quality.get(msg.modelId);
    if (!q) {
      const { session } = this;
      const meta = session.registry.meta(msg.modelId);
      const ids = session.validationIds();
      if (!ids.length) {
        q = { srcc: null, images: 0 };
      } else {
        const model = await session.registry.model(msg.modelId);
        const set = await session.data.labelled(meta, ids, DEFAULT_SETTINGS.seed, 'validation');
        q = { srcc: await srccOf(model, set, meta.outputIndex), images: set.size };
      }
      this.quality.set(msg.modelId, q);
    }
    this.post({ type: 'baseQuality', modelId: msg.modelId, ...q });
  }
}
