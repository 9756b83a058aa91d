import type { StoredArtifacts } from '../core/artifacts';
import type { CurvePoint } from '../protocol/messages';
import { KeyValueStore } from '../shared/kvStore';
import type { TrainRequest } from './session';

/** A steering run's state, saved every few seconds so a reload can resume it. */
export interface Checkpoint {
  request: TrainRequest & { baseModelId: string };
  step: number;
  curve: CurvePoint[];
  artifacts: StoredArtifacts;
  savedAt: number;
}

const KEY = 'run';

/** The one in-progress checkpoint, in IndexedDB; every method fails soft (returns null/false). */
export class CheckpointStore {
  private store: KeyValueStore<Checkpoint> | null = null;

  async open(): Promise<void> {
    try {
      this.store = await KeyValueStore.open<Checkpoint>('camsteer-checkpoint', 'items');
    } catch {
      this.store = null;
    }
  }

  async load(): Promise<Checkpoint | null> {
    return (await this.store?.get(KEY).catch(() => undefined)) ?? null;
  }

  async save(c: Checkpoint): Promise<boolean> {
    if (!this.store) return false;
    return this.store.put(KEY, c).then(() => true, () => false);
  }

  async clear(): Promise<void> {
    await this.store?.delete(KEY).catch(() => undefined);
  }
}
