import type { Engine } from '../../src-main/engine/engine.js';

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls until `count()` reaches `target`; fails with `what` only when the count stops moving
 * for `stallMs`, so a slow or busy machine is never mistaken for a stuck engine.
 */
export async function waitForCount(
  count: () => number,
  target: number,
  what: string,
  stallMs = 120_000,
): Promise<void> {
  let last = count();
  let movedAt = Date.now();
  while (last !== target) {
    if (Date.now() - movedAt > stallMs) {
      throw new Error(`waiting for ${what}: stuck at ${last} for ${stallMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = count();
    if (now !== last) [last, movedAt] = [now, Date.now()];
  }
}

/**
 * Counts the images the engine's model embeds from now on (the real model still does the
 * work): the tests' measure of duplicate or needless work.
 */
export function embedCounter(engine: Engine): () => number {
  const model = engine.model!;
  const embed = model.embedImages.bind(model);
  let count = 0;
  model.embedImages = (tensors) => {
    count += tensors.length;
    return embed(tensors);
  };
  return () => count;
}
