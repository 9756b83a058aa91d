import type { StoredArtifacts } from '../core/artifacts';
import type { CurvePoint } from '../protocol/messages';
import { openDatabase, STORES, type Database } from '../shared/kvStore';
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

/** Says what went wrong, once per kind of failure (a run saves every few seconds). */
export type CheckpointReport = (message: string) => void;

/**
 * The one in-progress checkpoint, in CamSteer's IndexedDB database. Training goes on when it
 * cannot be saved or read: every method resolves (null / false) and says why through `report`
 * (by default the worker's console; give one that tells the user), once per kind of failure
 * until the store works again.
 */
export class CheckpointStore {
  private db: Database | null = null;
  private reported = new Set<string>();

  constructor(private readonly report: CheckpointReport = (m) => console.warn(`[camsteer worker] ${m}`)) {}

  private tell(kind: string, message: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.report(message);
  }

  /** Opens the store; resolves to a warning (interrupted runs cannot be resumed), or null. */
  async open(): Promise<string | null> {
    try {
      this.db = await openDatabase();
      return null;
    } catch (e) {
      this.db = null;
      const message = `Interrupted runs cannot be resumed after a reload: ${(e as Error).message}`;
      this.tell('open', message);
      return message;
    }
  }

  async load(): Promise<Checkpoint | null> {
    if (!this.db) return null;
    try {
      const c = await this.db.get<Checkpoint>(STORES.checkpoint, KEY);
      if (c && (typeof c !== 'object' || !c.request || !c.artifacts || typeof c.step !== 'number')) {
        await this.clear();
        this.tell('corrupt', 'The saved checkpoint of an interrupted run was unreadable and has been discarded.');
        return null;
      }
      return c ?? null;
    } catch (e) {
      this.tell('load', `The checkpoint of an interrupted run could not be read: ${(e as Error).message}`);
      return null;
    }
  }

  /** Saves the checkpoint (one transaction, resolved on commit); false when it was not saved. */
  async save(c: Checkpoint): Promise<boolean> {
    if (!this.db) return false;
    try {
      await this.db.write([{ store: STORES.checkpoint, key: KEY, value: c }]);
      this.reported.delete('save');
      return true;
    } catch (e) {
      this.tell('save', `The run's checkpoint could not be saved, so a reload would lose the run: ${(e as Error).message}`);
      return false;
    }
  }

  async clear(): Promise<void> {
    try {
      await this.db?.write([{ store: STORES.checkpoint, key: KEY }]);
    } catch (e) {
      this.tell('clear', `The finished run's checkpoint could not be removed: ${(e as Error).message}`);
    }
  }
}
