/**
 * Bounded undo/redo for masks. Only the current mask is held in full; every step is a patch:
 * the bounding box of the pixels that changed and the values on the other side of the step.
 * Applying a patch swaps its values with the mask's, so the same patch moves to the other
 * stack (undo -> redo and back) without copying. A brush dab costs a few hundred bytes, a
 * full-mask change (invert, preset) 64 KiB at 128x128.
 *
 * Masks handed out are never mutated afterwards (undo/redo build new ones), so they are safe
 * to keep in React or zustand state.
 */
import type { Mask } from './mask';

/** Values of `data` inside [x0, x0 + w) x [y0, y0 + h) of a width x height mask. */
interface Patch {
  width: number;
  height: number;
  x0: number;
  y0: number;
  w: number;
  h: number;
  values: Float32Array;
  /** The whole mask changed size: values hold the other side's full mask. */
  resize: boolean;
}

export interface MaskHistoryOptions {
  /** Most undo steps kept (default 100, at least 50). */
  limit?: number;
  /** Most bytes kept by undo + redo patches together (default 16 MiB). The newest step always stays. */
  maxBytes?: number;
}

export const MIN_HISTORY_STEPS = 50;

function patchBytes(p: Patch): number {
  return p.values.byteLength + 64;
}

/** Patch that turns `to` back into `from` (values taken from `from`), or null if they are equal. */
function diff(from: Mask, to: Mask): Patch | null {
  if (from.width !== to.width || from.height !== to.height) {
    return { width: from.width, height: from.height, x0: 0, y0: 0, w: from.width, h: from.height, values: from.data.slice(), resize: true };
  }
  const W = from.width;
  let x0 = W;
  let x1 = -1;
  let y0 = from.height;
  let y1 = -1;
  for (let y = 0; y < from.height; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      if (from.data[row + x] !== to.data[row + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const values = new Float32Array(w * h);
  for (let y = 0; y < h; y++) values.set(from.data.subarray((y0 + y) * W + x0, (y0 + y) * W + x0 + w), y * w);
  return { width: from.width, height: from.height, x0, y0, w, h, values, resize: false };
}

/** Applies `p` to a copy of `mask`; returns the new mask and the patch that reverts it. */
function apply(mask: Mask, p: Patch): { mask: Mask; inverse: Patch } {
  if (p.resize) {
    return {
      mask: { width: p.width, height: p.height, data: p.values },
      inverse: { width: mask.width, height: mask.height, x0: 0, y0: 0, w: mask.width, h: mask.height, values: mask.data, resize: true },
    };
  }
  const W = mask.width;
  const data = mask.data.slice();
  const old = new Float32Array(p.values.length);
  for (let y = 0; y < p.h; y++) {
    const start = (p.y0 + y) * W + p.x0;
    old.set(data.subarray(start, start + p.w), y * p.w);
    data.set(p.values.subarray(y * p.w, (y + 1) * p.w), start);
  }
  return { mask: { width: mask.width, height: mask.height, data }, inverse: { ...p, values: old } };
}

export class MaskHistory {
  private cur: Mask;
  private undos: Patch[] = [];
  private redos: Patch[] = [];
  private bytes = 0;
  readonly limit: number;
  readonly maxBytes: number;

  constructor(initial: Mask, opts: MaskHistoryOptions = {}) {
    this.cur = initial;
    this.limit = Math.max(MIN_HISTORY_STEPS, Math.floor(opts.limit ?? 100));
    this.maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  }

  get current(): Mask {
    return this.cur;
  }

  get canUndo(): boolean {
    return this.undos.length > 0;
  }

  get canRedo(): boolean {
    return this.redos.length > 0;
  }

  get undoDepth(): number {
    return this.undos.length;
  }

  get redoDepth(): number {
    return this.redos.length;
  }

  /** Bytes held by the patches (the current mask not counted). */
  get byteSize(): number {
    return this.bytes;
  }

  /**
   * Records `next` as a new step after the current mask and drops the redo branch. The
   * history keeps `next` as is: do not mutate it afterwards. Returns false (and records nothing) when `next` equals the current mask.
   */
  push(next: Mask): boolean {
    const p = diff(this.cur, next);
    if (!p) {
      this.cur = next;
      return false;
    }
    for (const r of this.redos) this.bytes -= patchBytes(r);
    this.redos = [];
    this.undos.push(p);
    this.bytes += patchBytes(p);
    this.cur = next;
    while (this.undos.length > this.limit || (this.bytes > this.maxBytes && this.undos.length > 1)) {
      this.bytes -= patchBytes(this.undos.shift() as Patch);
    }
    return true;
  }

  /**
   * Replaces the result of the latest step with `next` instead of adding a step (e.g. while a
   * preset's slider moves: one undo step for the whole drag). Without a step to amend, pushes.
   */
  amend(next: Mask): boolean {
    const last = this.undos.pop();
    if (last) {
      this.bytes -= patchBytes(last);
      this.cur = apply(this.cur, last).mask;
    }
    return this.push(next);
  }

  /** Steps back; returns the new current mask, or null when there is nothing to undo. */
  undo(): Mask | null {
    return this.move(this.undos, this.redos);
  }

  /** Steps forward again; returns the new current mask, or null when there is nothing to redo. */
  redo(): Mask | null {
    return this.move(this.redos, this.undos);
  }

  /** Forgets every step and starts again from `mask`. */
  reset(mask: Mask): void {
    this.cur = mask;
    this.undos = [];
    this.redos = [];
    this.bytes = 0;
  }

  private move(from: Patch[], to: Patch[]): Mask | null {
    const p = from.pop();
    if (!p) return null;
    const { mask, inverse } = apply(this.cur, p);
    this.bytes += patchBytes(inverse) - patchBytes(p);
    to.push(inverse);
    this.cur = mask;
    return mask;
  }
}
