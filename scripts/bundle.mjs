#!/usr/bin/env node
// Builds what runs outside the sources: the `ferret` CLI (dist/cli) and the Electron shell
// (dist/shell: main, engine host, embedding and HEIC workers, preload). The shell's production
// dependencies stay in node_modules (native modules must, and electron-builder ships exactly
// those); everything else, development-only packages included, is inlined. The CLI inlines more
// (see bundleCli).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeBundleInputs } from './bundle-inputs.mjs';

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
export const workerEntries = {
  'embed-worker': path.join(root, 'src-main/engine/library/embed-worker.ts'),
  'heif-worker': path.join(root, 'src-main/engine/media/heif-worker.ts'),
};

/**
 * Dependencies the CLI's bundle leaves in node_modules: native addons, and packages that find
 * files of their own at run time (libheif-js its WebAssembly, trash its helper programs).
 */
const CLI_EXTERNAL = [
  'better-sqlite3',
  'hnswlib-node',
  'libheif-js',
  'onnxruntime-node',
  'sharp',
  'trash',
];

/**
 * The CLI and its workers, which it finds beside itself. Every `ferret` command is a new
 * process, so the bundle is built for start-up: CommonJS, loaded with require(), and with every
 * pure-JavaScript dependency inlined. As an ES module importing its packages from node_modules,
 * `ferret status` spent about 0.75 CPU-s before doing anything (Node's ES module loader, and its
 * scan of each CommonJS package for the names it exports); as this, about 0.4.
 */
export async function bundleCli(outdir = path.join(root, 'dist/cli')) {
  const result = await build({
    ...nodeBundle,
    format: 'cjs',
    external: CLI_EXTERNAL.flatMap((name) => [name, `${name}/*`]),
    // CommonJS has no import.meta: the same values, from the bundle's own file.
    define: {
      'import.meta.url': '__ferretFileUrl',
      'import.meta.dirname': '__dirname',
      'import.meta.resolve': '__ferretResolve',
    },
    banner: {
      js: [
        "const __ferretFileUrl = require('node:url').pathToFileURL(__filename).href;",
        "const __ferretResolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;",
      ].join('\n'),
    },
    entryPoints: {
      ferret: path.join(root, 'src-main/cli/main.ts'),
      ...workerEntries,
    },
    outdir,
    metafile: true,
  });
  // The package is "type": "module"; this folder's .js files are CommonJS.
  await writeFile(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  await writeBundleInputs(outdir, [result.metafile]);
}

/** Electron main, the engine host (a utilityProcess), its workers and the preload. */
export async function bundleShell(outdir = path.join(root, 'dist/shell')) {
  const results = await Promise.all([
    build({
      ...nodeBundle,
      entryPoints: {
        main: path.join(root, 'src-main/shell/main.ts'),
        'engine-host': path.join(root, 'src-main/shell/engine-host.ts'),
        ...workerEntries,
      },
      external: [...external, 'electron'],
      outdir,
      metafile: true,
    }),
    // Sandboxed preloads cannot load ES modules.
    build({
      absWorkingDir: root,
      entryPoints: [path.join(root, 'src-main/shell/preload.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'chrome140',
      external: ['electron'],
      outfile: path.join(outdir, 'preload.cjs'),
      logLevel: 'warning',
      metafile: true,
    }),
  ]);
  await writeBundleInputs(
    outdir,
    results.map((result) => result.metafile),
  );
}

if (process.argv[1] === import.meta.filename) {
  const targets = process.argv.slice(2);
  const all = targets.length === 0;
  if (all || targets.includes('cli')) await bundleCli();
  if (all || targets.includes('shell')) await bundleShell();
}
