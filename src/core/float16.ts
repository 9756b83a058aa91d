/** IEEE half from single, round to nearest even; overflow to inf, subnormals kept. */
export function f32ToF16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/**
 * float32 weights stored as float16 (tfjs dequantises them on load): halves a model's size.
 * Every spec must be float32.
 */
export function toFloat16<S extends { name: string; dtype: string }>(specs: readonly S[], data: Uint8Array): { specs: (S & { quantization: { dtype: 'float16' } })[]; data: Uint8Array<ArrayBuffer> } {
  for (const s of specs) if (s.dtype !== 'float32') throw new Error(`toFloat16: weight ${s.name} is ${s.dtype}`);
  const f32 = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const out = new Uint16Array(f32.length);
  for (let i = 0; i < f32.length; i++) out[i] = f32ToF16(f32[i]);
  return { specs: specs.map((s) => ({ ...s, quantization: { dtype: 'float16' as const } })), data: new Uint8Array(out.buffer) };
}
