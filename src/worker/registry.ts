import * as tf from '@tensorflow/tfjs';
import type { ModelMeta } from '../protocol/messages';
import { fromArtifacts, toArtifacts, type StoredArtifacts } from '../core/artifacts';
import { KeyValueStore, StorageUnavailableError } from '../shared/kvStore';

interface Entry {
  meta: ModelMeta;
  artifacts: StoredArtifacts;
  model: tf.LayersModel | null;
}

export class UnknownModelError extends Error {
  constructor(id: string) {
    super(`Model "${id}" is not in the library (it may have been deleted).`);
    this.name = 'UnknownModelError';
  }
}

/**
 * The model library on the worker side: metadata and weights, persisted in IndexedDB
 * (metadata and weights as separate records, so renames do not rewrite weights). Models are
 * loaded into tfjs on first use and kept.
 */
export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private metaStore: KeyValueStore<ModelMeta> | null = null;
  private weightStore: KeyValueStore<StoredArtifacts> | null = null;
  /** Changes are announced only once start-up (saved + shipped models) is complete. */
  private started = false;

  constructor(private readonly onChange: (models: ModelMeta[]) => void) {}

  /** Opens storage and loads the saved library. Resolves to a storage warning, or null. */
  async init(): Promise<string | null> {
    try {
      this.metaStore = await KeyValueStore.open<ModelMeta>('camsteer-models-meta', 'meta');
      this.weightStore = await KeyValueStore.open<StoredArtifacts>('camsteer-models-weights', 'weights');
      for (const meta of await this.metaStore.values()) {
        const artifacts = await this.weightStore.get(meta.id);
        if (artifacts) this.entries.set(meta.id, { meta, artifacts, model: null });
      }
      this.emit();
      return null;
    } catch (e) {
      this.metaStore = null;
      this.weightStore = null;
      this.emit();
      return e instanceof StorageUnavailableError ? e.message : `Saved models could not be read: ${(e as Error).message}`;
    }
  }

  list(): ModelMeta[] {
    return [...this.entries.values()].map((e) => e.meta).sort((a, b) => a.createdAt - b.createdAt);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  meta(id: string): ModelMeta {
    const e = this.entries.get(id);
    if (!e) throw new UnknownModelError(id);
    return e.meta;
  }

  artifacts(id: string): StoredArtifacts {
    const e = this.entries.get(id);
    if (!e) throw new UnknownModelError(id);
    return e.artifacts;
  }

  /** The tfjs model (loaded on first use). Owned by the registry: do not dispose. */
  async model(id: string): Promise<tf.LayersModel> {
    const e = this.entries.get(id);
    if (!e) throw new UnknownModelError(id);
    e.model ??= await fromArtifacts(e.artifacts);
    return e.model;
  }

  /** A fresh trainable copy of a library model; the caller owns and disposes it. */
  async copy(id: string): Promise<tf.LayersModel> {
    return fromArtifacts(this.artifacts(id));
  }

  /** Adds a model (the registry takes ownership). Returns a storage warning or null. */
  async add(meta: ModelMeta, model: tf.LayersModel): Promise<string | null> {
    const fineTune = meta.learningRate ? { fineTune: { learningRate: meta.learningRate } } : {};
    const artifacts = await toArtifacts(model, { camsteer: { name: meta.name, inputSize: meta.inputSize, layerName: meta.layerName, kind: meta.kind, ...fineTune } });
    return this.addArtifacts(meta, artifacts, model);
  }

  /** Adds a model from its artifacts; `persist = false` keeps it out of IndexedDB (shipped models). */
  async addArtifacts(meta: ModelMeta, artifacts: StoredArtifacts, model: tf.LayersModel | null = null, persist = true): Promise<string | null> {
    this.entries.get(meta.id)?.model?.dispose();
    this.entries.set(meta.id, { meta, artifacts, model });
    this.emit();
    if (!persist) return null;
    return this.persist(async () => {
      await this.weightStore?.put(meta.id, artifacts);
      await this.metaStore?.put(meta.id, meta);
    });
  }

  async update(id: string, patch: Partial<ModelMeta>): Promise<string | null> {
    const e = this.entries.get(id);
    if (!e) throw new UnknownModelError(id);
    e.meta = { ...e.meta, ...patch, id };
    this.emit();
    return this.persist(() => this.metaStore?.put(id, e.meta));
  }

  async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    e.model?.dispose();
    this.entries.delete(id);
    this.emit();
    await this.metaStore?.delete(id);
    await this.weightStore?.delete(id);
  }

  async duplicate(id: string, newId: string): Promise<string | null> {
    const e = this.entries.get(id);
    if (!e) throw new UnknownModelError(id);
    return this.addArtifacts({ ...e.meta, id: newId, name: `${e.meta.name} (copy)`, createdAt: Date.now(), parentId: id }, e.artifacts);
  }

  private async persist(write: () => Promise<void> | undefined): Promise<string | null> {
    if (!this.metaStore) return null;
    try {
      await write();
      return null;
    } catch (e) {
      return e instanceof StorageUnavailableError ? e.message : `Saving failed: ${(e as Error).message}`;
    }
  }

  /** Marks start-up complete and announces the library. */
  ready(): void {
    this.started = true;
    this.emit();
  }

  private emit(): void {
    if (this.started) this.onChange(this.list());
  }
}

export function newModelId(): string {
  return `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
