#!/usr/bin/env node
// Runs the CLI's bundle, dist/cli/ferret.js: plain Node, no transpiling at run time. `npm ci`
// and `npm link` build it (the `prepare` script); in a checkout it is rebuilt first whenever a
// source it was built from is newer, so a linked `ferret` never runs stale code.
import { existsSync, readFileSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli/ferret.js', import.meta.url);
const builder = new URL('../scripts/bundle.mjs', import.meta.url);
const inputsFile = new URL('../dist/cli/inputs.json', import.meta.url);

function modifiedMs(url) {
  return statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
}

function needsBuild() {
  if (!existsSync(bundle)) return true;
  // An installed copy without the build script cannot rebuild, and is never stale.
  if (!existsSync(builder) || !existsSync(inputsFile)) return existsSync(builder);
  const built = modifiedMs(bundle);
  const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  return inputs.some((input) => modifiedMs(new URL(`../${input}`, import.meta.url)) > built);
}

if (needsBuild()) {
  const { bundleCli } = await import(builder.href);
  await bundleCli();
}
await import(bundle.href);
