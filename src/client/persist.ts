import type { Mask } from '../core/mask';
import { migrateOld, openDatabase, simulateStorageUnavailable, STORES, type Database } from '../shared/kvStore';
import { storageOffForTests } from './testHooks';
import { useStore, type AppState, type MaskScope, type PhotoEntry } from '../state/store';

interface SavedMasks {
  maskScope: MaskScope;
  sharedMask: Mask;
  imageMasks: Record<string, Mask>;
}

interface SavedUpload {
  id: string;
  name: string;
  blob: Blob;
}

const MASKS_KEY = 'masks';

const isUpload = (v: unknown): v is SavedUpload => !!v && typeof v === 'object' && 'blob' in v && (v as SavedUpload).blob instanceof Blob;

/**
 * Keeps masks and uploaded photos in IndexedDB (they are too large for localStorage), so a
 * reload loses nothing. Resolves to the uploads to add to the photo list; a storage failure
 * (unavailable, unreadable, a full quota) becomes a message and the app goes on in memory.
 */
export async function restoreAndPersist(): Promise<PhotoEntry[]> {
  if (__TEST_HOOKS__) simulateStorageUnavailable(storageOffForTests());
  const fail = (e: unknown) => useStore.getState().setError({ code: 'storage', message: (e as Error).message });
  let db: Database;
  let saved: SavedMasks | undefined;
  let uploads: SavedUpload[];
  try {
    db = await openDatabase();
    await migrateOld(db, 'workspace-v0', [{ name: 'camsteer-workspace', stores: ['items'] }], (old) =>
      (old['camsteer-workspace']?.items ?? []).map(([key, value]) => ({ store: STORES.workspace, key, value })),
    );
    saved = await db.get<SavedMasks>(STORES.workspace, MASKS_KEY);
    uploads = (await db.entries<SavedMasks | SavedUpload>(STORES.workspace)).map(([, v]) => v).filter(isUpload);
  } catch (e) {
    fail(e);
    return [];
  }
  if (saved?.sharedMask) useStore.getState().setMasks(saved);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const saveMasks = (s: AppState) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      db.write([{ store: STORES.workspace, key: MASKS_KEY, value: { maskScope: s.maskScope, sharedMask: s.sharedMask, imageMasks: s.imageMasks } }]).catch(fail);
    }, 250);
  };
  useStore.subscribe((s, prev) => {
    if (s.sharedMask !== prev.sharedMask || s.imageMasks !== prev.imageMasks || s.maskScope !== prev.maskScope) saveMasks(s);
    if (s.photos !== prev.photos) {
      const added = s.photos.filter((p) => p.blob && !prev.photos.includes(p));
      db.write(added.map((p) => ({ store: STORES.workspace, key: p.id, value: { id: p.id, name: p.name, blob: p.blob } }))).catch(fail);
    }
  });
  return uploads.map((u) => ({ id: u.id, name: u.name, url: URL.createObjectURL(u.blob), builtIn: false, blob: u.blob }));
}
