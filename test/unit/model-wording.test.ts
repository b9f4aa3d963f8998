import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ModelDownloadProgress, ModelProblem } from '../../src-main/contract/api.js';
import { describeDownloadProgress, describeModelProblem } from '../../src-main/contract/format.js';
import { modelProblemForCli } from '../../src-main/cli/model-problem.js';
import {
  BUNDLED_MODELS_DIR,
  downloadBytes,
  readModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import { modelProblemText } from '../../src-renderer/lib/model-problem.js';

/** The engine reports model trouble as data; each door puts it in its own words. */

const PROBLEMS: ModelProblem[] = [
  { code: 'not-installed', dir: '/lib/models/clip' },
  { code: 'unreadable', dir: '/m', detail: '/m/ferret-model.json: not a valid model manifest' },
  {
    code: 'incomplete',
    dir: '/m',
    files: [
      { path: 'text.onnx', status: 'missing' },
      { path: 'vision.onnx', status: 'wrong-size' },
    ],
  },
];

describe('model problems', () => {
  test('the shared description says what is wrong, with no remedy', () => {
    assert.deepEqual(PROBLEMS.map(describeModelProblem), [
      'no model in /lib/models/clip',
      '/m/ferret-model.json: not a valid model manifest',
      'the model in /m is incomplete (text.onnx is missing, vision.onnx has the wrong size)',
    ]);
  });

  test('the CLI names the command and option that fix it', () => {
    const int8 = readModelManifest(path.join(BUNDLED_MODELS_DIR, 'clip-vit-b-32-int8.json'));
    const [missing, unreadable, incomplete] = PROBLEMS.map((problem) =>
      modelProblemForCli(problem, { name: int8.name, downloadBytes: downloadBytes(int8) }),
    );
    // It names the model `ferret models fetch` gets: the selected one, with its size.
    assert.match(
      missing!,
      /^no model in \/lib\/models\/clip: run `ferret models fetch` to download OpenAI CLIP ViT-B\/32, int8 \(smaller, faster on CPU\) \(about 156 MB\), or pass --model-dir </,
    );
    assert.match(unreadable!, /; run `ferret models fetch` to download the model again$/);
    assert.match(incomplete!, /incomplete \(.*\): run `ferret models fetch` to repair it$/);
  });

  test('the app points at its own buttons, never at CLI commands or options', () => {
    for (const problem of PROBLEMS) {
      const text = modelProblemText(problem);
      assert.doesNotMatch(text, /ferret models|--model-dir|`/, text);
      // A missing model is the first-run state, whose heading already says what to do.
      if (problem.code !== 'not-installed') assert.match(text, /Download .*, or choose/, text);
    }
    assert.match(modelProblemText(PROBLEMS[2]!), /text\.onnx is missing, vision\.onnx is damaged/);
  });
});

describe('model download progress', () => {
  const progress = (update: Partial<ModelDownloadProgress>): ModelDownloadProgress => ({
    file: 'vision.onnx',
    receivedBytes: 0,
    totalBytes: 351_000_000,
    state: 'downloading',
    error: null,
    ...update,
  });

  test('reads the same in the CLI and the app for every state', () => {
    assert.equal(
      describeDownloadProgress(progress({ state: 'verifying', receivedBytes: 351_000_000 })),
      'checking the 351 MB already here',
    );
    assert.equal(
      describeDownloadProgress(progress({ receivedBytes: 12_400_000 })),
      '12 MB of 351 MB',
    );
    assert.equal(
      describeDownloadProgress(progress({ receivedBytes: 5_000, totalBytes: null })),
      '5.0 kB downloaded',
    );
    assert.equal(
      describeDownloadProgress(progress({ state: 'done', receivedBytes: 351_000_000 })),
      'ready (351 MB)',
    );
    assert.equal(
      describeDownloadProgress(progress({ state: 'failed', error: 'could not download x' })),
      'failed: could not download x',
    );
  });
});
