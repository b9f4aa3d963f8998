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
