import { Engine } from '../../../src-main/engine/engine.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';

/**
 * Opens an indexed library the way a door starts a fresh process (quietly), timing Engine.open:
 * the start-up both the first-query and the million-photo children measure. `openedAt` is when
 * opening began, for the times a child measures from it.
 */
export async function openLibrary(args: {
  libraryDir: string;
  modelDir: string;
}): Promise<{ engine: Engine; openMs: number; openedAt: number }> {
  const openedAt = performance.now();
  const engine = await Engine.open({
    libraryDir: args.libraryDir,
    modelDir: args.modelDir,
    logger: silentLogger,
  });
  return { engine, openMs: performance.now() - openedAt, openedAt };
}
