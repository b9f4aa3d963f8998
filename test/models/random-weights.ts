/**
 * Deterministic weights: every tensor draws from its own stream, seeded by its name, so a tensor's
 * values do not depend on which other tensors exist or in which order they are generated.
 */

/** Changing this changes every generated model. */
const GLOBAL_SEED = 'ferret-test-model-1';

/** `count` values drawn from N(0, std²). */
export function normalValues(name: string, count: number, std: number): Float32Array {
  const random = xoshiro128ss(seedWords(`${GLOBAL_SEED}/${name}`));
  const values = new Float32Array(count);
  // Box-Muller gives two independent normals per pair of uniforms.
  for (let i = 0; i < count; i += 2) {
    const radius = std * Math.sqrt(-2 * Math.log(random()));
    const angle = 2 * Math.PI * random();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < count) values[i + 1] = radius * Math.sin(angle);
  }
  return values;
}

/** 128 bits of state from a string: FNV-1a folded through splitmix32. */
function seedWords(seed: string): [number, number, number, number] {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193);
  }
  let state = hash >>> 0;
  const next = () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return [next(), next(), next(), next()];
}

/** xoshiro128**, returning uniforms in (0, 1): never 0, so the logarithm above stays finite. */
function xoshiro128ss([a, b, c, d]: [number, number, number, number]): () => number {
  return () => {
    const result = Math.imul(rotateLeft(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotateLeft(d, 11);
    return (result + 0.5) / 2 ** 32;
  };
}

function rotateLeft(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}
