import type { Catalog } from '../../src-main/engine/catalog/catalog-interface.js';
import type { Logger } from '../../src-main/engine/util/logger.js';
import { VectorIndex } from '../../src-main/engine/vector-index/vector-index.js';
import { HnswVectorStore } from '../../src-main/engine/vector-store.js';
import { log } from './log.js';

const READ_CHUNK = 4096;

/**
 * Builds a library's vector index from the vectors in its catalog in one go: the engine's own
 * VectorIndex (so the same hnswlib graph parameters and the same files), filled without the
 * background rebuild's slices and yields, since nothing else waits on the thread here. Then the
 * engine opens the library's vectors once, which must take the file as its own (a rebuild
 * would throw) and records which catalog state it holds. Returns the vectors per second of
 * the build alone.
 */
export async function buildVectorIndex(
  catalog: Catalog,
  vectorIndexDir: string,
  modelKey: string,
  dimensions: number,
): Promise<{ vectors: number; perSecond: number }> {
  const modelId = catalog.registerModel(modelKey, dimensions);
  const total = catalog.countVectors(modelId);
  const index = VectorIndex.empty(
    { dir: vectorIndexDir, modelKey, dimensions, initialCapacity: Math.max(1, total) },
    'built by the bench',
  );
  const started = performance.now();
  let after = 0;
  let lastLog = started;
  for (;;) {
    const rows = catalog.vectorsAfter(modelId, after, READ_CHUNK);
    if (rows.length === 0) break;
    for (const { photoId, bytes } of rows) {
      index.add(photoId, catalog.decodeVector(modelId, bytes));
      after = photoId;
    }
    if (performance.now() - lastLog > 60_000) {
      lastLog = performance.now();
      const rate = index.size / ((lastLog - started) / 1000);
      log(
        `  index: ${index.size.toLocaleString('en')} of ${total.toLocaleString('en')} vectors, ${rate.toFixed(0)}/s`,
      );
    }
  }
  const perSecond = index.size / ((performance.now() - started) / 1000);
  await index.save();

  const said: string[] = [];
  const logger: Logger = {
    info: (message) => said.push(message),
    warn: (message) => said.push(message),
  };
  const store = HnswVectorStore.open({
    catalog,
    vectorIndexDir,
    modelKey,
    dimensions,
    logger,
  });
  await store.whenSettled();
  await store.close();
  if (said.length > 0)
    throw new Error(`the engine did not take the index as built: ${said.join('; ')}`);
  return { vectors: index.size, perSecond };
}
