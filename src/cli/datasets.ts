import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MAX_CSV_BYTES } from '../core/limits';
import { confineTo, readRegularFile } from './files';
import { CliError } from './io';

/**
 * A folder of scored images the user brings (`--data DIR` of camsteer eval and pretrain):
 * a CSV of image, optional reference image and score, in the layouts real IQA datasets ship.
 *
 * - KADID-10k style: `dmos.csv` with `dist_img,ref_img,dmos[,var]`, images in `images/`.
 * - KonIQ-10k style: a CSV with `image_name,...,MOS,...`, images in `1024x768/` (or beside it).
 * - CamSteer's own: `scores.csv` with `file,score` (or `file,reference,score`), header optional.
 *
 * Images are looked up next to the CSV, then in `images/`, `1024x768/` and `512x384/`, and must
 * stay inside DIR. Scores keep their direction (higher = better quality: KADID's DMOS and
 * KonIQ's MOS both are); `--lower-is-better` flips them.
 */

export interface ScoredItem {
  /** The name in the CSV. */
  file: string;
  /** The file on disk. */
  path: string;
  /** The reference photo this image is a distorted copy of (its own name when the CSV names none). */
  reference: string;
  /** The score as given (higher = better after any flip). */
  score: number;
}

export interface ScoredDataset {
  dir: string;
  csv: string;
  items: ScoredItem[];
  /** Whether the CSV names reference images (splits are then by reference). */
  hasReferences: boolean;
}

const CSV_NAMES = ['scores.csv', 'dmos.csv', 'mos.csv'];
const IMAGE_DIRS = ['', 'images', '1024x768', '512x384'];
const COLUMNS = {
  image: ['file', 'image', 'image_name', 'dist_img', 'distorted_image', 'filename', 'name'],
  reference: ['ref', 'ref_img', 'reference', 'reference_image', 'ref_image'],
  score: ['score', 'mos', 'dmos', 'quality', 'mos_zscore'],
} as const;

/** Which CSV of the folder holds the scores: a known name, else the folder's only CSV. */
function findCsv(dir: string): string {
  for (const n of CSV_NAMES) if (existsSync(join(dir, n))) return join(dir, n);
  const csvs = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.csv'));
  if (csvs.length === 1) return join(dir, csvs[0]);
  throw new CliError(
    csvs.length
      ? `--data ${dir}: ${csvs.length} CSV files and none named ${CSV_NAMES.join(', ')}; keep one, or name it scores.csv`
      : `--data ${dir}: no scores.csv in it (one "file,score" line per image, or a KADID/KonIQ-style CSV)`,
  );
}

/** Splits a CSV line on commas outside double quotes; strips the quotes. */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/**
 * The path of an image named in the CSV, confined to `dir` (a plain relative name whose real path,
 * symbolic links followed, stays inside it): next to the CSV or in one of IMAGE_DIRS. Null when no
 * candidate exists; an error message when the name itself is refused.
 */
function locate(dir: string, name: string): { path: string } | { missing: true } | { refused: string } {
  for (const sub of IMAGE_DIRS) {
    const c = confineTo(dir, sub ? join(sub, name) : name);
    if (c.ok) return { path: c.path };
    if (!c.missing) return { refused: c.why };
  }
  return { missing: true };
}

export function readScoredDataset(dir: string, opts: { lowerIsBetter?: boolean } = {}): ScoredDataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--data ${dir}: no such directory`);
  const csv = findCsv(dir);
  const rows = readRegularFile(csv, { maxBytes: MAX_CSV_BYTES, what: 'a scores CSV', fail: (d) => new CliError(`${csv}: ${d}`) })
    .toString('utf8')
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), row: i + 1 }))
    .filter((r) => r.line && !r.line.startsWith('#'));
  if (!rows.length) throw new CliError(`${csv}: empty`);
  const first = csvFields(rows[0].line).map((h) => h.toLowerCase());
  const find = (names: readonly string[]) => names.map((n) => first.indexOf(n)).find((i) => i >= 0) ?? -1;
  let col: { image: number; reference: number; score: number };
  let body = rows;
  if (find(COLUMNS.image) >= 0 && find(COLUMNS.score) >= 0) {
    col = { image: find(COLUMNS.image), reference: find(COLUMNS.reference), score: find(COLUMNS.score) };
    body = rows.slice(1);
  } else {
    const n = first.length;
    if (n !== 2 && n !== 3) throw new CliError(`${csv}:${rows[0].row}: expected a header naming the image and score columns, or "file,score" / "file,reference,score" lines; got "${rows[0].line}"`);
    col = n === 2 ? { image: 0, reference: -1, score: 1 } : { image: 0, reference: 1, score: 2 };
    // a first line whose score is not a number is a header of another wording
    if (!Number.isFinite(Number(csvFields(rows[0].line)[col.score])) && csvFields(rows[0].line)[col.score] !== '') body = rows.slice(1);
  }
  const width = Math.max(col.image, col.reference, col.score) + 1;
  const seen = new Set<string>();
  const items: ScoredItem[] = [];
  for (const { line, row } of body) {
    const f = csvFields(line);
    if (f.length < width) throw new CliError(`${csv}:${row}: expected ${width} fields, got ${f.length} ("${line}")`);
    const file = f[col.image];
    const raw = f[col.score];
    const score = Number(raw);
    if (raw === '' || !Number.isFinite(score)) throw new CliError(`${csv}:${row}: the score "${raw}" is not a number`);
    if (seen.has(file)) throw new CliError(`${csv}:${row}: "${file}" is listed twice`);
    seen.add(file);
    const where = locate(dir, file);
    const name = basename(csv);
    if ('refused' in where) throw new CliError(`${csv}:${row}: the image "${file}" is refused: ${where.refused}; ${name} may only name files inside its folder`);
    if ('missing' in where) throw new CliError(`${csv}:${row}: the image "${file}" is not in ${dir} (nor in its images/ folder)`);
    const reference = col.reference >= 0 ? f[col.reference] : file;
    if (col.reference >= 0) {
      const ref = locate(dir, reference);
      if ('refused' in ref) throw new CliError(`${csv}:${row}: the reference image "${reference}" is refused: ${ref.refused}; ${name} may only name files inside its folder`);
      if ('missing' in ref) throw new CliError(`${csv}:${row}: the reference image "${reference}" is not in ${dir}`);
    }
    items.push({ file, path: where.path, reference, score: opts.lowerIsBetter ? -score : score });
  }
  const refs = new Set(items.map((i) => i.reference));
  if (refs.size < 3) throw new CliError(`${csv}: at least 3 ${col.reference >= 0 ? 'reference photos' : 'images'} are needed for rank correlations (found ${refs.size})`);
  return { dir, csv, items, hasReferences: col.reference >= 0 };
}

/** Scores mapped linearly onto 0–100 (training labels): kept when already inside it, else min-max. */
export function toScoreScale(scores: readonly number[]): number[] {
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  if (lo >= 0 && hi <= 100) return [...scores];
  return scores.map((s) => (hi > lo ? (100 * (s - lo)) / (hi - lo) : 50));
}
