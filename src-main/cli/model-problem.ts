import path from 'node:path';
import type { ModelProblem } from '../contract/api.js';
import { describeModelProblem } from '../contract/format.js';
import {
  BUNDLED_MODELS_DIR,
  DEFAULT_MODEL_ID,
  MODEL_MANIFEST_FILE,
  readModelManifest,
} from '../engine/embedder/manifest.js';

/** A model problem as the CLI says it: what is wrong, then the command or option that fixes it. */
export function modelProblemForCli(problem: ModelProblem): string {
  const what = describeModelProblem(problem);
  switch (problem.code) {
    case 'not-installed':
      return `${what}: run \`ferret models fetch\` to download ${describeDefaultModel()}, or pass --model-dir <a folder with ${MODEL_MANIFEST_FILE}>`;
    case 'unreadable':
      return `${what}; run \`ferret models fetch\` to download the model again`;
    case 'incomplete':
      return `${what}: run \`ferret models fetch\` to repair it`;
  }
}

/** What `ferret models fetch` downloads when asked for nothing in particular. */
function describeDefaultModel(): string {
  const manifest = readModelManifest(path.join(BUNDLED_MODELS_DIR, `${DEFAULT_MODEL_ID}.json`));
  const sizes = manifest.files.map((file) => file.bytes);
  if (sizes.some((bytes) => bytes === undefined)) return manifest.name;
  const total = sizes.reduce((sum: number, bytes) => sum + bytes!, 0);
  return `${manifest.name} (about ${Math.round(total / 1e6)} MB)`;
}
