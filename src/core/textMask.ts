/**
 * Text pattern masks ("VG") from a built-in single-stroke font, so the same text gives the same
 * mask in the browser, the worker and Node tests (no canvas, no system fonts). Glyphs are
 * polylines on a grid 6 units tall (cap height; y down, baseline at 6), stroked with the brush
 * of maskOps. Covers A–Z (lowercase is drawn as uppercase), 0–9, space and . , : ; ! ? - + = _
 * / \ ' " ( ) [ ] * # < > %. Other characters are drawn as an empty box and reported.
 */
import { MASK_SIZE } from './config';
import type { Mask } from './mask';
import { brushSegmentInPlace, emptyMask } from './maskOps';

type Pt = [number, number];
interface Glyph {
  width: number;
  strokes: Pt[][];
}

const CAP = 6;

/** Points on an ellipse arc from angle a0 to a1 (degrees; 0 = right, 90 = down). */
function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number): Pt[] {
  const steps = Math.max(4, Math.ceil(Math.abs(a1 - a0) / 10));
  const pts: Pt[] = [];
  for (let i = 0; i <= steps; i++) {
    const a = ((a0 + ((a1 - a0) * i) / steps) * Math.PI) / 180;
    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return pts;
}

/** A polyline from flat x, y pairs. */
const L = (...xy: number[]): Pt[] => Array.from({ length: xy.length / 2 }, (_, i) => [xy[2 * i], xy[2 * i + 1]] as Pt);
const g = (width: number, ...strokes: Pt[][]): Glyph => ({ width, strokes });
const DOT = (x: number, y: number): Pt[] => [[x, y], [x, y]];
const rotate180 = (gl: Glyph): Glyph => g(gl.width, ...gl.strokes.map((s) => s.map(([x, y]) => [gl.width - x, CAP - y] as Pt)));

const SIX = g(4, arc(4, 4.2, 3.9, 4.2, -110, -180), arc(2, 4.2, 1.9, 1.8, 0, 360));

const GLYPHS: Record<string, Glyph> = {
  A: g(4, L(0, 6, 2, 0, 4, 6), L(0.67, 4, 3.33, 4)),
  B: g(4, L(0, 0, 0, 6), [...L(0, 0, 2.3, 0), ...arc(2.3, 1.5, 1.5, 1.5, -90, 90), ...L(2.3, 3, 0, 3)], [...L(0, 3, 2.5, 3), ...arc(2.5, 4.5, 1.5, 1.5, -90, 90), ...L(2.5, 6, 0, 6)]),
  C: g(4, arc(2, 3, 2, 3, -40, -320)),
  D: g(4, L(0, 0, 0, 6), [...L(0, 0, 1.5, 0), ...arc(1.5, 3, 2.5, 3, -90, 90), ...L(1.5, 6, 0, 6)]),
  E: g(4, L(4, 0, 0, 0, 0, 6, 4, 6), L(0, 3, 3, 3)),
  F: g(4, L(4, 0, 0, 0, 0, 6), L(0, 3, 3, 3)),
  G: g(4, [...arc(2, 3, 2, 3, -40, -360), ...L(2.2, 3)]),
  H: g(4, L(0, 0, 0, 6), L(4, 0, 4, 6), L(0, 3, 4, 3)),
  I: g(2, L(1, 0, 1, 6), L(0, 0, 2, 0), L(0, 6, 2, 6)),
  J: g(4, [...L(3.5, 0), ...arc(2, 4.5, 1.5, 1.5, 0, 180)]),
  K: g(4, L(0, 0, 0, 6), L(4, 0, 0, 4), L(1.4, 2.6, 4, 6)),
  L: g(4, L(0, 0, 0, 6, 4, 6)),
  M: g(5, L(0, 6, 0, 0, 2.5, 4, 5, 0, 5, 6)),
  N: g(4, L(0, 6, 0, 0, 4, 6, 4, 0)),
  O: g(4, arc(2, 3, 2, 3, 0, 360)),
  P: g(4, [...L(0, 6, 0, 0, 2.5, 0), ...arc(2.5, 1.6, 1.5, 1.6, -90, 90), ...L(2.5, 3.2, 0, 3.2)]),
  Q: g(4, arc(2, 3, 2, 3, 0, 360), L(2.6, 4.4, 4.2, 6.2)),
  R: g(4, [...L(0, 6, 0, 0, 2.5, 0), ...arc(2.5, 1.6, 1.5, 1.6, -90, 90), ...L(2.5, 3.2, 0, 3.2)], L(2, 3.2, 4, 6)),
  S: g(4, [...arc(2, 1.5, 1.9, 1.5, -20, -270), ...arc(2, 4.5, 2, 1.5, -90, 160)]),
  T: g(4, L(0, 0, 4, 0), L(2, 0, 2, 6)),
  U: g(4, [...L(0, 0), ...arc(2, 4, 2, 2, 180, 0), ...L(4, 0)]),
  V: g(4, L(0, 0, 2, 6, 4, 0)),
  W: g(5, L(0, 0, 1.25, 6, 2.5, 1.5, 3.75, 6, 5, 0)),
  X: g(4, L(0, 0, 4, 6), L(4, 0, 0, 6)),
  Y: g(4, L(0, 0, 2, 3, 4, 0), L(2, 3, 2, 6)),
  Z: g(4, L(0, 0, 4, 0, 0, 6, 4, 6)),
  '0': g(3.4, arc(1.7, 3, 1.7, 3, 0, 360), L(2.9, 0.9, 0.5, 5.1)),
  '1': g(3, L(0.2, 1.2, 1.5, 0, 1.5, 6), L(0.2, 6, 2.8, 6)),
  '2': g(4, [...arc(2, 1.8, 1.9, 1.8, -165, 25), ...L(0, 6, 4, 6)]),
  '3': g(4, [...arc(2, 1.5, 1.8, 1.5, -160, 90), ...arc(2, 4.5, 2, 1.5, -90, 160)]),
  '4': g(4, L(3, 6, 3, 0, 0, 4.2, 4, 4.2)),
  '5': g(4, [...L(3.8, 0, 0.6, 0, 0.6, 2.6), ...arc(1.9, 4.1, 2, 1.9, -130, 150)]),
  '6': SIX,
  '7': g(4, L(0, 0, 4, 0, 1.5, 6)),
  '8': g(4, arc(2, 1.45, 1.6, 1.45, 0, 360), arc(2, 4.4, 1.9, 1.6, 0, 360)),
  '9': rotate180(SIX),
  ' ': g(2.5),
  '.': g(0.5, DOT(0.25, 6)),
  ',': g(1, L(0.8, 5.6, 0.2, 7)),
  ':': g(0.5, DOT(0.25, 2.2), DOT(0.25, 6)),
  ';': g(1, DOT(0.8, 2.2), L(0.8, 5.6, 0.2, 7)),
  '!': g(0.5, L(0.25, 0, 0.25, 4.2), DOT(0.25, 6)),
  '?': g(4, [...arc(2, 1.8, 1.9, 1.8, -165, 60), ...L(2, 3.8, 2, 4.3)], DOT(2, 6)),
  '-': g(3, L(0, 3, 3, 3)),
  '+': g(4, L(0, 3, 4, 3), L(2, 1, 2, 5)),
  '=': g(4, L(0, 2.2, 4, 2.2), L(0, 3.8, 4, 3.8)),
  _: g(4, L(0, 6.6, 4, 6.6)),
  '/': g(3, L(0, 6, 3, 0)),
  '\\': g(3, L(0, 0, 3, 6)),
  "'": g(0.5, L(0.25, 0, 0.25, 1.6)),
  '"': g(1.6, L(0.2, 0, 0.2, 1.6), L(1.4, 0, 1.4, 1.6)),
  '(': g(1.2, arc(3.2, 3, 3, 3.6, -145, -215)),
  ')': g(1.2, arc(-2, 3, 3, 3.6, -35, 35)),
  '[': g(1.5, L(1.5, -0.5, 0, -0.5, 0, 6.5, 1.5, 6.5)),
  ']': g(1.5, L(0, -0.5, 1.5, -0.5, 1.5, 6.5, 0, 6.5)),
  '*': g(3, L(1.5, 1, 1.5, 4), L(0.2, 1.75, 2.8, 3.25), L(0.2, 3.25, 2.8, 1.75)),
  '#': g(4, L(1.3, 0.5, 0.8, 5.5), L(3.2, 0.5, 2.7, 5.5), L(0, 2, 4, 2), L(0, 4, 4, 4)),
  '<': g(3, L(3, 1, 0, 3, 3, 5)),
  '>': g(3, L(0, 1, 3, 3, 0, 5)),
  '%': g(4, L(4, 0, 0, 6), arc(0.8, 1, 0.8, 1, 0, 360), arc(3.2, 5, 0.8, 1, 0, 360)),
};

const TOFU = g(4, L(0, 0, 4, 0, 4, 6, 0, 6, 0, 0));

/** Characters the built-in font draws (before uppercasing). */
export const TEXT_MASK_CHARSET = Object.keys(GLYPHS).join('');

export interface TextMaskOptions {
  /** Cap height as a fraction of the image height (default 0.5); shrunk to fit if needed. */
  fontSize?: number;
  /** Stroke thickness as a fraction of the cap height (default 0.18). */
  weight?: number;
  /** Displayed width / height of the photo, so letters look upright on it (default 1). */
  aspect?: number;
  /** Mask side (default MASK_SIZE). */
  size?: number;
}

export interface TextMaskResult {
  mask: Mask;
  /** Characters drawn as a box because the font lacks them. */
  missing: string[];
  /** The cap height actually used (smaller than asked when the text had to shrink to fit). */
  fontSize: number;
}

const LETTER_GAP = 1.4;
const LINE_GAP = 3;
const MARGIN = 0.03;

function glyphOf(ch: string, missing: Set<string>): Glyph {
  const gl = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()];
  if (gl) return gl;
  missing.add(ch);
  return TOFU;
}

/**
 * Renders `text` (lines split at '\n') centred on the mask with the built-in stroke font.
 * Returns an empty mask for blank text.
 */
export function textMask(text: string, opts: TextMaskOptions = {}): TextMaskResult {
  const size = opts.size ?? MASK_SIZE;
  const aspect = opts.aspect && opts.aspect > 0 ? opts.aspect : 1;
  const weight = Math.min(0.6, Math.max(0.02, opts.weight ?? 0.18)) * CAP;
  const missing = new Set<string>();
  const lines = text.replace(/\r/g, '').split('\n').map((line) => [...line].map((ch) => glyphOf(ch, missing)));
  const lineWidth = (gl: Glyph[]) => gl.reduce((s, x) => s + x.width, 0) + LETTER_GAP * Math.max(0, gl.length - 1);
  const blockW = Math.max(0, ...lines.map(lineWidth)) + weight;
  const blockH = lines.length * CAP + (lines.length - 1) * LINE_GAP + weight;
  let fontSize = Math.max(0.01, opts.fontSize ?? 0.5);
  // Grid units -> normalised coordinates: one unit is as long on the displayed photo along u and v.
  let sv = fontSize / CAP;
  const fit = Math.min(1, (1 - 2 * MARGIN) / ((blockW * sv) / aspect), (1 - 2 * MARGIN) / (blockH * sv));
  sv *= fit;
  fontSize *= fit;
  const su = sv / aspect;
  const mask = emptyMask(size);
  const brush = { radiusU: (weight / 2) * su, radiusV: (weight / 2) * sv, softness: 0, mode: 'paint' as const };
  const top = 0.5 - ((blockH - weight) * sv) / 2;
  lines.forEach((gls, li) => {
    let x = 0.5 - (lineWidth(gls) * su) / 2;
    const y = top + li * (CAP + LINE_GAP) * sv;
    for (const gl of gls) {
      for (const stroke of gl.strokes) {
        const pts = stroke.map(([px, py]) => ({ u: x + px * su, v: y + py * sv }));
        if (pts.length === 1) brushSegmentInPlace(mask, pts[0], pts[0], brush);
        for (let i = 1; i < pts.length; i++) brushSegmentInPlace(mask, pts[i - 1], pts[i], brush);
      }
      x += (gl.width + LETTER_GAP) * su;
    }
  });
  return { mask, missing: [...missing], fontSize };
}
