// What a bundle was built from, so that a checkout can tell when a bundle is older than its
// sources: bin/ferret.js rebuilds the CLI then, and the tests build the shell afresh.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const INPUTS_FILE = 'inputs.json';

/** Records the sources of `outdir`'s bundles from esbuild's metafiles (packages excluded). */
export async function writeBundleInputs(outdir, metafiles) {
  const inputs = metafiles
    .flatMap((metafile) => Object.keys(metafile.inputs))
    .filter((input) => !input.includes('node_modules'));
  await writeFile(
    path.join(outdir, INPUTS_FILE),
    JSON.stringify([...new Set(inputs), 'package.json']),
  );
}

function modifiedMs(file) {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
}

/** Whether `bundle` in `outdir` exists and no source it was built from is newer. */
export function bundleIsCurrent(outdir, bundle) {
  const inputsFile = path.join(outdir, INPUTS_FILE);
  if (!existsSync(path.join(outdir, bundle)) || !existsSync(inputsFile)) return false;
  const built = modifiedMs(path.join(outdir, bundle));
  const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  return inputs.every((input) => modifiedMs(path.join(root, input)) <= built);
}
