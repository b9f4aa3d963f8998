import type { Catalog } from '../../src-main/engine/catalog/catalog-interface.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { HnswVectorStore } from '../../src-main/engine/vector-store.js';

/**
 * Builds a library's vector index from the vectors in its catalog the way the engine does after
 * a lost index (in the background, in slices), and waits until it is saved.
 */
export async function buildVectorIndex(
  catalog: Catalog,
  vectorIndexDir: string,
  modelKey: string,
  dimensions: number,
): Promise<void> {
  const store = HnswVectorStore.open({
    catalog,
    vectorIndexDir,
    modelKey,
    dimensions,
    logger: silentLogger,
  });
  await store.whenSettled();
  await store.close();
}
