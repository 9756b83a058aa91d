/**
 * A small promise wrapper over one IndexedDB object store. When IndexedDB is missing or
 * refuses (private mode, quota), `open` rejects with StorageUnavailableError and callers
 * keep working in memory.
 */

export class StorageUnavailableError extends Error {
  constructor(detail: string) {
    super(`Browser storage is unavailable (${detail}); models are kept in memory only and will be lost on reload.`);
    this.name = 'StorageUnavailableError';
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Test hook: makes every store refuse to open, as private mode or a full disk would. */
let refuseStorage = false;
export function simulateStorageUnavailable(on: boolean): void {
  refuseStorage = on;
}

export class KeyValueStore<V> {
  private constructor(
    private readonly db: IDBDatabase,
    private readonly storeName: string,
  ) {}

  static async open<V>(dbName: string, storeName: string): Promise<KeyValueStore<V>> {
    if (typeof indexedDB === 'undefined') throw new StorageUnavailableError('no IndexedDB');
    if (refuseStorage) throw new StorageUnavailableError('IndexedDB refused to open (simulated)');
    try {
      const req = indexedDB.open(dbName, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(storeName)) req.result.createObjectStore(storeName);
      };
      return new KeyValueStore<V>(await request(req), storeName);
    } catch (e) {
      throw new StorageUnavailableError((e as Error).message || 'open failed');
    }
  }

  private tx(mode: IDBTransactionMode): IDBObjectStore {
    return this.db.transaction(this.storeName, mode).objectStore(this.storeName);
  }

  async get(key: string): Promise<V | undefined> {
    return request(this.tx('readonly').get(key) as IDBRequest<V | undefined>);
  }

  async values(): Promise<V[]> {
    return request(this.tx('readonly').getAll() as IDBRequest<V[]>);
  }

  async put(key: string, value: V): Promise<void> {
    try {
      await request(this.tx('readwrite').put(value, key));
    } catch (e) {
      const name = (e as DOMException).name;
      throw new StorageUnavailableError(name === 'QuotaExceededError' ? 'the storage quota is exceeded' : (e as Error).message);
    }
  }

  async delete(key: string): Promise<void> {
    await request(this.tx('readwrite').delete(key));
  }
}
