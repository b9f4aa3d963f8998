import { bundleCli, bundleShell } from '../scripts/bundle.mjs';
import { builtRenderer } from './e2e/browser.js';
import { corpusDir } from './helpers/corpus.js';
import { PREPARED_SHELL_DIR } from './helpers/engine-host.js';
import { tinyModelDir } from './helpers/fixtures.js';

/*
 * Run once before the test files (`npm test`, `npm run test:e2e`, `npm run test:slow`), which
 * run several at a time: it fills what they share, the corpus and the tiny test model, builds
 * the renderer the browser tests serve (with `--renderer`), the CLI bundle that bin/ferret.js
 * would otherwise rebuild when a source is newer, and the shell bundles the engine-host tests
 * run. Each of these is made once, with no reader: two test files making one of them at the
 * same time could each read the other's half-written files. A single test file run on its own
 * makes what it lacks itself.
 */
const renderer = process.argv.includes('--renderer') ? [builtRenderer()] : [];
await Promise.all([
  corpusDir(),
  tinyModelDir(),
  bundleCli(),
  bundleShell(PREPARED_SHELL_DIR),
  ...renderer,
]);
