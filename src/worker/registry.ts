import * as tf from '@tensorflow/tfjs';
import type { ModelMeta } from '../protocol/messages';
import { fromArtifacts, toArtifacts, type StoredArtifacts } from '../core/artifacts';
import { migrateOld, openDatabase, STORES, StorageQuotaError, StorageUnavailableError, type Database, type WriteOp } from '../shared/kvStore';

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
 * The model library on the worker side: metadata and weights, persisted in CamSteer's one
 * IndexedDB database (two stores, so renames do not rewrite weights; a model's two records are
 * written and deleted in one transaction, so storage never holds half a model). Models are
 * loaded into tfjs on first use and kept.
 */
export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private db: Database | null = null;
  /** Changes are announced only once start-up (saved + shipped models) is complete. */
  private started = false;

  constructor(private readonly onChange: (models: ModelMeta[]) => void) {}

  /**
   * Opens storage, copies in the libraries of older versions, removes half-saved models
   * (metadata without weights or weights without metadata) and loads the saved library.
   * Resolves to a storage warning, or null.
   */
  async init(): Promise<string | null> {
    try {
      this.db = await openDatabase();
      await migrateOld(this.db, 'models-v0', OLD_DATABASES, planModelMigration);
      const metas = await this.db.entries<ModelMeta>(STORES.modelMeta);
      const weightIds = new Set(await this.db.keys(STORES.modelWeights));
      const orphans = orphanDeletes(metas.map(([id]) => id), [...weightIds]);
      if (orphans.length) await this.db.write(orphans);
      for (const [id, meta] of metas) {
        if (!weightIds.has(id)) continue;
        const artifacts = await this.db.get<StoredArtifacts>(STORES.modelWeights, id);
        if (artifacts) this.entries.set(id, { meta, artifacts, model: null });
      }
      this.emit();
      return null;
    } catch (e) {
      this.db = null;
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

  /**
   * Adds a model from its artifacts; `persist = false` keeps it out of IndexedDB (shipped
   * models). Metadata and weights are saved in one transaction. When saving fails (a full
   * quota: StorageQuotaError) the model stays in the library in memory and the warning says so.
   */
  async addArtifacts(meta: ModelMeta, artifacts: StoredArtifacts, model: tf.LayersModel | null = null, persist = true): Promise<string | null> {
    this.entries.get(meta.id)?.model?.dispose();
    this.entries.set(meta.id, { meta, artifacts, model });
    this.emit();
    if (!persist) return null;
    return this.persist(meta.name, [
      { store: STORES.modelMeta, key: meta.id, value: meta },
      { store: STORES.modelWeights, key: meta.id, value: artifacts },
    ]);
  }

  async update(id: string, patch: Partial<ModelMeta>): Promise<string | null> {
    const e = this.entries.get(id);
    if (!e) throw new UnknownModelError(id);
    e.meta = { ...e.meta, ...patch, id };
    this.emit();
    if (e.meta.kind === 'shipped') return null;
    return this.persist(e.meta.name, [{ store: STORES.modelMeta, key: id, value: e.meta }]);
  }

  /**
   * Removes a model from the library and from storage (both records in one transaction).
   * Throws StorageWriteError when storage could not delete it (it would come back on reload).
   */
  async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    e.model?.dispose();
    this.entries.delete(id);
    this.emit();
    await this.db?.write([
      { store: STORES.modelMeta, key: id },
      { store: STORES.modelWeights, key: id },
    ]);
  }

  async duplicate(id: string, newId: string): Promise<string | null> {
    const e = this.entries.get(id);
    if (!e) throw new UnknownModelError(id);
    return this.addArtifacts({ ...e.meta, id: newId, name: `${e.meta.name} (copy)`, createdAt: Date.now(), parentId: id }, e.artifacts);
  }

  private async persist(name: string, ops: WriteOp[]): Promise<string | null> {
    if (!this.db) return null;
    try {
      await this.db.write(ops);
      return null;
    } catch (e) {
      if (e instanceof StorageQuotaError) return `“${name}” was not saved: ${e.message}`;
      return e instanceof Error ? e.message : String(e);
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

/** The deletes that remove half-saved models: metadata without weights, weights without metadata. */
export function orphanDeletes(metaIds: string[], weightIds: string[]): WriteOp[] {
  const metas = new Set(metaIds);
  const weights = new Set(weightIds);
  return [
    ...metaIds.filter((id) => !weights.has(id)).map((key) => ({ store: STORES.modelMeta, key })),
    ...weightIds.filter((id) => !metas.has(id)).map((key) => ({ store: STORES.modelWeights, key })),
  ];
}

/** The databases older versions kept the library and the checkpoint in. */
const OLD_DATABASES = [
  { name: 'camsteer-models-meta', stores: ['meta'] },
  { name: 'camsteer-models-weights', stores: ['weights'] },
  { name: 'camsteer-checkpoint', stores: ['items'] },
];

/** The old library's complete models (both records) and its checkpoint, as writes to this database. */
function planModelMigration(old: Record<string, Record<string, [string, unknown][]>>): WriteOp[] {
  const metas = old['camsteer-models-meta']?.meta ?? [];
  const weights = new Map(old['camsteer-models-weights']?.weights ?? []);
  const ops: WriteOp[] = [];
  for (const [id, meta] of metas) {
    if (!weights.has(id)) continue;
    ops.push({ store: STORES.modelMeta, key: id, value: meta }, { store: STORES.modelWeights, key: id, value: weights.get(id) });
  }
  for (const [key, value] of old['camsteer-checkpoint']?.items ?? []) ops.push({ store: STORES.checkpoint, key, value });
  return ops;
}

export function newModelId(): string {
  return `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
