#!/usr/bin/env node
// Runs the CLI's bundle, dist/cli/ferret.js: plain Node, no transpiling at run time. `npm ci`
// and `npm link` build it (the `prepare` script); in a checkout it is rebuilt first whenever a
// source it was built from is newer, so a linked `ferret` never runs stale code.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundleDir = fileURLToPath(new URL('../dist/cli', import.meta.url));
const scripts = new URL('../scripts/', import.meta.url);

// An installed copy without the build scripts cannot rebuild, and is never stale.
if (existsSync(scripts)) {
  const { bundleIsCurrent } = await import(new URL('bundle-inputs.mjs', scripts).href);
  if (!bundleIsCurrent(bundleDir, 'ferret.js')) {
    const { bundleCli } = await import(new URL('bundle.mjs', scripts).href);
    await bundleCli();
  }
}
// require(), not import(): the bundle is CommonJS, and import() would first scan all of it for
// the names it exports.
createRequire(import.meta.url)(`${bundleDir}/ferret.js`);
