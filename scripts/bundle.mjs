#!/usr/bin/env node
// Builds what runs outside the sources: the `ferret` CLI (dist/cli) and the Electron shell
// (dist/shell: main, engine host, embedding and HEIC workers, preload). Production dependencies stay
// in node_modules (native modules must, and electron-builder ships exactly those); everything
// else, development-only packages included, is inlined.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { dependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys(dependencies).flatMap((name) => [name, `${name}/*`]);

/** ES module bundles for Node; CommonJS packages inlined here may still `require` built-ins. */
const nodeBundle = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  sourcemap: true,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __ferretRequire } from 'node:module'; const require = __ferretRequire(import.meta.url);",
  },
};

/** Worker threads, each found by name beside the bundle that starts it (util/worker-script.ts). */
const workerEntries = {
  'embed-worker': path.join(root, 'src-main/engine/library/embed-worker.ts'),
  'heif-worker': path.join(root, 'src-main/engine/media/heif-worker.ts'),
};

/** The CLI and its workers, which it finds beside itself. */
export async function bundleCli(outdir = path.join(root, 'dist/cli')) {
  const result = await build({
    ...nodeBundle,
    entryPoints: {
      ferret: path.join(root, 'src-main/cli/main.ts'),
      ...workerEntries,
    },
    outdir,
    metafile: true,
  });
  // What bin/ferret.js compares the bundle's age with.
  const inputs = Object.keys(result.metafile.inputs).filter(
    (input) => !input.includes('node_modules'),
  );
  await writeFile(path.join(outdir, 'inputs.json'), JSON.stringify([...inputs, 'package.json']));
}

/** Electron main, the engine host (a utilityProcess), its workers and the preload. */
export async function bundleShell(outdir = path.join(root, 'dist/shell')) {
  await Promise.all([
    build({
      ...nodeBundle,
      entryPoints: {
        main: path.join(root, 'src-main/shell/main.ts'),
        'engine-host': path.join(root, 'src-main/shell/engine-host.ts'),
        ...workerEntries,
      },
      external: [...external, 'electron'],
      outdir,
    }),
    // Sandboxed preloads cannot load ES modules.
    build({
      entryPoints: [path.join(root, 'src-main/shell/preload.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'chrome140',
      external: ['electron'],
      outfile: path.join(outdir, 'preload.cjs'),
      logLevel: 'warning',
    }),
  ]);
}

if (process.argv[1] === import.meta.filename) {
  const targets = process.argv.slice(2);
  const all = targets.length === 0;
  if (all || targets.includes('cli')) await bundleCli();
  if (all || targets.includes('shell')) await bundleShell();
}
