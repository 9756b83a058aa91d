import type { Mask } from '../core/mask';
import { KeyValueStore, simulateStorageUnavailable } from '../shared/kvStore';
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

/**
 * Keeps masks and uploaded photos in IndexedDB (they are too large for localStorage), so a
 * reload loses nothing. Resolves to the uploads to add to the photo list; a storage failure
 * becomes a message and the app goes on in memory.
 */
export async function restoreAndPersist(): Promise<PhotoEntry[]> {
  let store: KeyValueStore<SavedMasks | SavedUpload>;
  if (__TEST_HOOKS__) simulateStorageUnavailable(storageOffForTests());
  try {
    store = await KeyValueStore.open<SavedMasks | SavedUpload>('camsteer-workspace', 'items');
  } catch (e) {
    useStore.getState().setError({ code: 'storage', message: (e as Error).message });
    return [];
  }
  const saved = (await store.get(MASKS_KEY)) as SavedMasks | undefined;
  if (saved?.sharedMask) useStore.getState().setMasks(saved);
  const uploads = (await store.values()).filter((v): v is SavedUpload => 'blob' in v);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const fail = (e: unknown) => useStore.getState().setError({ code: 'storage', message: (e as Error).message });
  const saveMasks = (s: AppState) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      store.put(MASKS_KEY, { maskScope: s.maskScope, sharedMask: s.sharedMask, imageMasks: s.imageMasks }).catch(fail);
    }, 250);
  };
  useStore.subscribe((s, prev) => {
    if (s.sharedMask !== prev.sharedMask || s.imageMasks !== prev.imageMasks || s.maskScope !== prev.maskScope) saveMasks(s);
    if (s.photos !== prev.photos) {
      for (const p of s.photos) {
        if (p.blob && !prev.photos.includes(p)) store.put(p.id, { id: p.id, name: p.name, blob: p.blob }).catch(fail);
      }
    }
  });
  return uploads.map((u) => ({ id: u.id, name: u.name, url: URL.createObjectURL(u.blob), builtIn: false, blob: u.blob }));
}
