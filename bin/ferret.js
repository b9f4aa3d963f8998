#!/usr/bin/env node
// Runs the CLI's bundle, dist/cli/ferret.js: plain Node, no transpiling at run time. `npm ci`
// and `npm link` build it (the `prepare` script); in a checkout it is rebuilt first whenever a
// source it was built from is newer, so a linked `ferret` never runs stale code.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

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
runWithCodeCache(`${bundleDir}/ferret.js`);

/**
 * Runs the CommonJS bundle `file` as require() would, with V8's code cache for it kept beside it
 * (Node 22 keeps one itself, module.enableCompileCache; Node 20 does not): compiling the bundle
 * afresh was about 0.05 of the 0.45 CPU-s a command took to start. V8 refuses a cache made
 * from other source or by another V8, and it is made again; one that cannot be written (a
 * read-only install) is done without. Not import(): it would first scan the whole bundle for
 * the names it exports.
 */
function runWithCodeCache(file) {
  const cacheFile = `${file}.v8-cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the run, so the cache holds the functions the command compiled as well.
    process.once('exit', () => {
      try {
        const written = `${cacheFile}.${process.pid}`;
        writeFileSync(written, script.createCachedData());
        renameSync(written, cacheFile);
      } catch {
        // Read-only: the next run compiles afresh.
      }
    });
  }
  const bundle = { exports: {} };
  script
    .runInThisContext()
    .call(
      bundle.exports,
      bundle.exports,
      Module.createRequire(file),
      bundle,
      file,
      path.dirname(file),
    );
}
