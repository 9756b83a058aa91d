import { deflateRawSync, deflateSync } from 'node:zlib';

/**
 * Crafted hostile files for the tests of docs/bad-input.md (and the memory measurements there):
 * a zip bomb split across entries, an image whose header declares a huge size, model.json
 * edits. Built small: the bomb's entries share one deflated block of zeros.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 of `n` zero bytes, without allocating them all at once. */
function crc32Zeros(n: number): number {
  const chunk = new Uint8Array(1 << 20);
  let c = 0;
  for (let left = n; left > 0; left -= chunk.length) c = crc32(left >= chunk.length ? chunk : chunk.subarray(0, left), c);
  return c;
}

interface RawEntry {
  name: string;
  /** Deflated bytes (method 8). */
  data: Uint8Array;
  crc: number;
  size: number;
}

/** A zip archive of already-deflated entries (local headers, data, central directory). */
export function zipOf(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data));
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const entry = (name: string, bytes: Uint8Array): RawEntry => ({ name, data: deflateRawSync(bytes), crc: crc32(bytes), size: bytes.length });

/**
 * A model zip (model.json + weights.bin, valid) padded with `pads` entries of `padBytes` zeros
 * each: every entry under the old per-entry limit, the whole far past any sane model.
 */
export function splitZipBomb(modelJson: string, weights: Uint8Array, pads = 12, padBytes = 190e6): Buffer {
  const zeros = new Uint8Array(padBytes);
  const pad = { data: deflateRawSync(zeros, { level: 9 }), crc: crc32Zeros(padBytes), size: padBytes };
  const padEntries = Array.from({ length: pads }, (_, i) => ({ name: `pad${i}.bin`, ...pad }));
  return zipOf([entry('model.json', Buffer.from(modelJson)), entry('weights.bin', weights), ...padEntries]);
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A valid grey 8-bit PNG of w x h pixels, all black, built row by row (a 20000 x 20000 one is
 * 0.4 MB on disk and 1.6 GB as RGBA once decoded).
 */
export function blackPng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const rows = new Uint8Array((w + 1) * h); // filter byte 0 + zeros per row
  const idat = deflateSync(rows, { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]);
}

/** A PNG whose header declares w x h pixels, followed by a few bytes of image data only. */
export function pngHeaderOf(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(new Uint8Array(w + 1))), pngChunk('IEND', new Uint8Array(0))]);
}

type Json = Record<string, unknown>;

/** The layers of a model.json's topology (a functional model's config.layers). */
export function topologyLayers(json: Json): { class_name: string; config: Json }[] {
  const t = json.modelTopology as { model_config?: Json; config: { layers: { class_name: string; config: Json }[] } };
  return ((t.model_config as typeof t | undefined) ?? t).config.layers;
}

/** A deep copy of a model.json with one layer's config or class changed. */
export function editLayer(json: Json, layerName: string, edit: (layer: { class_name: string; config: Json }) => void): Json {
  const copy = JSON.parse(JSON.stringify(json)) as Json;
  const layer = topologyLayers(copy).find((l) => l.config.name === layerName);
  if (!layer) throw new Error(`no layer ${layerName}`);
  edit(layer);
  return copy;
}
