/**
 * IEEE 754 half precision, for storing vectors at half the bytes of float32. Node 20 has no
 * Float16Array, so the conversion is done on the float32 bit pattern. A CLIP vector component
 * keeps about three significant digits, which moves cosine similarities by well under 0.001.
 */

const LARGEST_HALF = 65504;
const float32 = new Float32Array(1);
const bits32 = new Uint32Array(float32.buffer);

/** The half-precision bit pattern nearest to `value` (ties to even). */
export function toHalf(value: number): number {
  float32[0] = value;
  const bits = bits32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    // Below the smallest normal half: a subnormal, or zero.
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - exponent;
    return sign | roundShifted(mantissa, shift);
  }
  // A carry out of the mantissa rounds up into the exponent, which is the right answer.
  return sign | ((exponent << 10) + roundShifted(mantissa, 13));
}

function roundShifted(mantissa: number, shift: number): number {
  const kept = mantissa >>> shift;
  const rest = mantissa & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** Every half bit pattern's value: decoding is one lookup per component. */
export const HALF_VALUES: Float32Array = (() => {
  const values = new Float32Array(0x10000);
  for (let bits = 0; bits < 0x10000; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    values[bits] =
      exponent === 0
        ? sign * mantissa * 2 ** -24
        : exponent === 0x1f
          ? mantissa === 0
            ? sign * Infinity
            : NaN
          : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return values;
})();

/** Whether every value survives as a finite half (CLIP vectors are far inside the range). */
export function fitsHalf(vector: ArrayLike<number>): boolean {
  for (let i = 0; i < vector.length; i++) {
    if (!(Math.abs(vector[i]!) <= LARGEST_HALF)) return false;
  }
  return true;
}
