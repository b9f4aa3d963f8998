import type { ModelInfo, ModelProblem } from '../contract/api.js';
import { describeModelProblem, formatBytes } from '../contract/format.js';
import { MODEL_MANIFEST_FILE } from '../engine/backend.js';

/**
 * A model problem as the CLI says it: what is wrong, then the command or option that fixes it.
 * `fetchable` is the model `ferret models fetch` would download (the selected bundled one).
 */
export function modelProblemForCli(
  problem: ModelProblem,
  fetchable: Pick<ModelInfo, 'name' | 'downloadBytes'>,
): string {
  const what = describeModelProblem(problem);
  switch (problem.code) {
    case 'not-installed':
      return `${what}: run \`ferret models fetch\` to download ${describeModel(fetchable)}, or pass --model-dir <a folder with ${MODEL_MANIFEST_FILE}>`;
    case 'unreadable':
      return `${what}; run \`ferret models fetch\` to download the model again`;
    case 'incomplete':
      return `${what}: run \`ferret models fetch\` to repair it`;
  }
}

function describeModel(model: Pick<ModelInfo, 'name' | 'downloadBytes'>): string {
  return model.downloadBytes === null
    ? model.name
    : `${model.name} (about ${formatBytes(model.downloadBytes)})`;
}
