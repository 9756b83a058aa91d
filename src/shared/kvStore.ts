/**
 * CamSteer's one IndexedDB database, shared by the worker (model library, checkpoint) and the
 * page (masks, uploaded photos). Writes go through `write`, which puts and deletes across
 * stores in ONE transaction and resolves only on the transaction's `complete` event, so a write
 * that the browser aborts later (a full quota is often reported only at commit) is reported,
 * never half-done. When IndexedDB is missing or refuses, `openDatabase` rejects with
 * StorageUnavailableError and callers keep working in memory.
 */

export const DB_NAME = 'camsteer';
const DB_VERSION = 1;

/** The object stores (keys are strings, values structured-cloneable). */
export const STORES = {
  /** ModelMeta by model id. */
  modelMeta: 'model-meta',
  /** StoredArtifacts by model id: always written and deleted with its ModelMeta. */
  modelWeights: 'model-weights',
  /** The interrupted run's checkpoint (key "run"). */
  checkpoint: 'checkpoint',
  /** Masks (key "masks") and uploaded photos (by photo id). */
  workspace: 'workspace',
  /** Old databases already copied in (by their name). */
  migrations: 'migrations',
} as const;
export type StoreName = (typeof STORES)[keyof typeof STORES];

export class StorageUnavailableError extends Error {
  constructor(detail: string) {
    super(`Browser storage is unavailable (${detail}); models are kept in memory only and will be lost on reload.`);
    this.name = 'StorageUnavailableError';
  }
}

/** The browser refused a write because the storage quota is used up. Nothing of the write was kept. */
export class StorageQuotaError extends StorageUnavailableError {
  constructor() {
    super('the storage quota is full');
    this.name = 'StorageQuotaError';
    this.message = 'Browser storage is full (quota exceeded): this was not saved and is kept in memory only until reload. Delete or export models to free space.';
  }
}

/** A write that did not complete for another reason (the transaction was aborted). Nothing of it was kept. */
export class StorageWriteError extends Error {
  constructor(detail: string) {
    super(`Saving to browser storage failed (${detail}); nothing of this change was saved.`);
    this.name = 'StorageWriteError';
  }
}

/** A read of saved data failed. */
export class StorageReadError extends Error {
  constructor(detail: string) {
    super(`Saved data could not be read (${detail}).`);
    this.name = 'StorageReadError';
  }
}

/** The typed error for a failed transaction or request. */
export function storageError(e: DOMException | Error | null | undefined): StorageQuotaError | StorageWriteError {
  if (e?.name === 'QuotaExceededError') return new StorageQuotaError();
  return new StorageWriteError(e?.message || e?.name || 'the transaction was aborted');
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = (ev) => {
      ev.preventDefault();
      reject(new StorageReadError(req.error?.message || req.error?.name || 'request failed'));
    };
  });
}

/** Test hook: makes the database refuse to open, as private mode or a full disk would. */
let refuseStorage = false;
export function simulateStorageUnavailable(on: boolean): void {
  refuseStorage = on;
}

/** One put (value given) or delete (value undefined) of a write. */
export interface WriteOp {
  store: StoreName;
  key: string;
  value?: unknown;
}

export class Database {
  constructor(private readonly db: IDBDatabase) {
    // a newer version of the app opening the database: let it upgrade
    db.onversionchange = () => db.close();
  }

  async get<V>(store: StoreName, key: string): Promise<V | undefined> {
    return request(this.db.transaction(store, 'readonly').objectStore(store).get(key) as IDBRequest<V | undefined>);
  }

  /** Every record of a store with its key. */
  async entries<V>(store: StoreName): Promise<[string, V][]> {
    const s = this.db.transaction(store, 'readonly').objectStore(store);
    const [keys, values] = await Promise.all([request(s.getAllKeys()), request(s.getAll() as IDBRequest<V[]>)]);
    return keys.map((k, i) => [String(k), values[i]]);
  }

  async keys(store: StoreName): Promise<string[]> {
    return (await request(this.db.transaction(store, 'readonly').objectStore(store).getAllKeys())).map(String);
  }

  /**
   * Puts and deletes in one transaction over every store they touch; resolves when the
   * transaction completes, rejects with StorageQuotaError or StorageWriteError when it aborts
   * (then none of it was written).
   */
  write(ops: WriteOp[]): Promise<void> {
    if (!ops.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let tx: IDBTransaction;
      try {
        tx = this.db.transaction([...new Set(ops.map((o) => o.store))], 'readwrite');
        for (const op of ops) {
          const s = tx.objectStore(op.store);
          const req = op.value === undefined ? s.delete(op.key) : s.put(op.value, op.key);
          // the transaction's abort reports it; keep the error from reaching the global handler
          req.onerror = (ev) => ev.preventDefault();
        }
      } catch (e) {
        reject(storageError(e as DOMException));
        return;
      }
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(storageError(tx.error));
    });
  }

  close(): void {
    this.db.close();
  }
}

function upgrade(db: IDBDatabase): void {
  for (const name of Object.values(STORES)) if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
}

/** Opens (creating or upgrading) CamSteer's database. */
export async function openDatabase(): Promise<Database> {
  if (typeof indexedDB === 'undefined') throw new StorageUnavailableError('no IndexedDB');
  if (refuseStorage) throw new StorageUnavailableError('IndexedDB refused to open (simulated)');
  try {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => upgrade(req.result);
    return new Database(await request(req));
  } catch (e) {
    throw new StorageUnavailableError((e as Error).message || 'open failed');
  }
}

/** An existing database, or null when there is none (opening it would create it: that is aborted). */
function openExisting(name: string): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    let absent = false;
    const req = indexedDB.open(name);
    req.onupgradeneeded = (ev) => {
      if (ev.oldVersion === 0) {
        absent = true;
        req.transaction?.abort();
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = (ev) => {
      ev.preventDefault();
      if (absent) resolve(null);
      else reject(new StorageReadError(`the old database ${name} could not be opened: ${req.error?.message ?? 'unknown error'}`));
    };
  });
}

/** Every record of a store of an old database, or [] when the store is missing. */
async function oldRecords(db: IDBDatabase, store: string): Promise<[string, unknown][]> {
  if (!db.objectStoreNames.contains(store)) return [];
  const s = db.transaction(store, 'readonly').objectStore(store);
  const [keys, values] = await Promise.all([request(s.getAllKeys()), request(s.getAll())]);
  return keys.map((k, i) => [String(k), values[i]]);
}

/**
 * Copies the records of the databases an older CamSteer kept (one per kind of data) into this
 * one, once: `plan` turns their records (by database name, then store) into the writes, which
 * go in one transaction with the marker that they were copied; then the old databases are
 * deleted. Records already in the new database are not overwritten. Returns how many records
 * were copied.
 */
export async function migrateOld(
  db: Database,
  marker: string,
  sources: { name: string; stores: string[] }[],
  plan: (records: Record<string, Record<string, [string, unknown][]>>) => WriteOp[],
): Promise<number> {
  if (typeof indexedDB === 'undefined') return 0;
  const done = await db.get<boolean>(STORES.migrations, marker);
  const opened: { name: string; db: IDBDatabase }[] = [];
  try {
    const records: Record<string, Record<string, [string, unknown][]>> = {};
    for (const src of sources) {
      const old = await openExisting(src.name);
      if (!old) continue;
      opened.push({ name: src.name, db: old });
      if (done) continue;
      records[src.name] = {};
      for (const store of src.stores) records[src.name][store] = await oldRecords(old, store);
    }
    if (!opened.length) return 0;
    let copied = 0;
    if (!done) {
      const ops = plan(records);
      const present = new Map<StoreName, Set<string>>();
      for (const store of new Set(ops.map((o) => o.store))) present.set(store, new Set(await db.keys(store)));
      const fresh = ops.filter((o) => !present.get(o.store)!.has(o.key));
      copied = fresh.length;
      await db.write([...fresh, { store: STORES.migrations, key: marker, value: true }]);
    }
    for (const o of opened) {
      o.db.close();
      // not awaited: another tab of an older version may hold it open and block the delete
      const del = indexedDB.deleteDatabase(o.name);
      del.onerror = (ev) => ev.preventDefault();
    }
    return copied;
  } finally {
    for (const o of opened) o.db.close();
  }
}
