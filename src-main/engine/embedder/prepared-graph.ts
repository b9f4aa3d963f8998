import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../../contract/format.js';
import type { ModelManifest } from './manifest.js';

/**
 * A model file's graph with its weights made external (see external-weights.ts), kept beside
 * the file. The rewrite needs protobufjs and onnx-proto, so it runs once, the first time a
 * folder is loaded (after it is fetched or chosen); opening a session afterwards only reads
 * the small prepared graph. Its name carries the size and time of the file it points into, so
 * a replaced model file is never read through an old graph's offsets.
 */

async function preparedGraphFile(modelFile: string): Promise<string> {
  const stat = await fs.stat(modelFile);
  return `${modelFile}.${stat.size}-${Math.trunc(stat.mtimeMs)}.graph`;
}

/** The prepared graph of `modelFile` (a resolved path), or null when there is none. */
export async function readPreparedGraph(modelFile: string): Promise<Uint8Array | null> {
  return fs.readFile(await preparedGraphFile(modelFile)).catch(() => null);
}

/** The towers' files, resolved: external weights must lie where a link leads. */
function towerFiles(dir: string, manifest: ModelManifest): Promise<string[]> {
  const names = [manifest.image.file, ...(manifest.text ? [manifest.text.file] : [])];
  return Promise.all(
    names.map((name) => fs.realpath(path.join(dir, name)).catch(() => path.join(dir, name))),
  );
}

/**
 * Writes the prepared graph of each tower that lacks one. A folder that cannot be written, or
 * a model whose weights cannot be moved, still works: onnxruntime then reads the file itself.
 */
export async function prepareModelGraphs(
  dir: string,
  manifest: ModelManifest,
  logger: Logger,
): Promise<void> {
  for (const modelFile of await towerFiles(dir, manifest)) {
    try {
      const target = await preparedGraphFile(modelFile);
      if (
        await fs.stat(target).then(
          () => true,
          () => false,
        )
      )
        continue;
      const { graphWithExternalWeights } = await import('./external-weights.js');
      const graph = await graphWithExternalWeights(modelFile);
      if (graph === null) continue;
      await removeStaleGraphs(modelFile);
      // Derived and rebuilt when missing: no need to flush it to disk.
      await writeFileAtomic(target, graph, { durable: false });
    } catch (error) {
      logger.warn(`${path.basename(modelFile)}: weights stay in the graph: ${errorMessage(error)}`);
    }
  }
}

async function removeStaleGraphs(modelFile: string): Promise<void> {
  const prefix = `${path.basename(modelFile)}.`;
  const dir = path.dirname(modelFile);
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(prefix) && name.endsWith('.graph')) {
      await fs.rm(path.join(dir, name), { force: true });
    }
  }
}
