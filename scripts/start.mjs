#!/usr/bin/env node
// `npm start`: builds the app and launches Electron with a better-sqlite3 of its own.
//
// better-sqlite3 is the one native module that is not N-API (hnswlib-node, sharp and
// onnxruntime-node are), so its addon only loads in the runtime it was compiled for. The one in
// node_modules stays built for Node (the CLI, `ferret serve` and the tests use it); Electron's
// engine host gets a copy built for Electron's ABI in node_modules/.electron-native/, passed
// to it as FERRET_SQLITE_BINDING (better-sqlite3's `nativeBinding` option). Nothing is rebuilt
// in place, so `npm start` and `npm test` can follow each other in one checkout. Packaged
// builds need none of this: electron-builder rebuilds node_modules for Electron (npmRebuild).
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const modules = path.join(root, 'node_modules');
const versionOf = (name) =>
  JSON.parse(readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version;

/** Where Electron's own launcher (node_modules/electron/index.js) looks for the executable. */
export function electronBinary(env = process.env) {
  const name =
    { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform] ??
    'electron';
  const file = env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, name)
    : path.join(modules, 'electron', 'dist', name);
  return existsSync(file) ? file : null;
}

export const MISSING_ELECTRON =
  "ferret: Electron's binary is not installed (offline install or ELECTRON_SKIP_BINARY_DOWNLOAD), so the desktop app cannot start.\n" +
  'To fix: run `npx install-electron` with internet access, then `npm start` again. Meanwhile `npx ferret serve` runs Ferret in your browser.\n';

/** better-sqlite3 built for this Electron, made once per pair of versions (and platform). */
async function electronSqliteBinding() {
  const electronVersion = versionOf('electron');
  const sqliteVersion = versionOf('better-sqlite3');
  const target = `better-sqlite3-${sqliteVersion}-electron-${electronVersion}-${process.platform}-${process.arch}`;
  const dir = path.join(modules, '.electron-native', target);
  const binding = path.join(dir, 'better_sqlite3.node');
  if (existsSync(binding)) return binding;

  console.log(`Building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (once)…`);
  // @electron/rebuild rebuilds what it finds under buildPath/node_modules: a staged copy of
  // the package, so the Node build in node_modules is left alone.
  const stage = path.join(modules, '.electron-native', `${target}.staging`);
  rmSync(stage, { recursive: true, force: true });
  const staged = path.join(stage, 'node_modules', 'better-sqlite3');
  const nodeBuild = path.join(modules, 'better-sqlite3', 'build');
  cpSync(path.join(modules, 'better-sqlite3'), staged, {
    recursive: true,
    filter: (source) => source !== nodeBuild && !source.startsWith(nodeBuild + path.sep),
  });
  writeFileSync(
    path.join(stage, 'package.json'),
    JSON.stringify({ private: true, dependencies: { 'better-sqlite3': sqliteVersion } }),
  );
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({
    buildPath: stage,
    electronVersion,
    arch: process.arch,
    onlyModules: ['better-sqlite3'],
    force: true,
  });
  mkdirSync(dir, { recursive: true });
  renameSync(path.join(staged, 'build', 'Release', 'better_sqlite3.node'), binding);
  rmSync(stage, { recursive: true, force: true });
  return binding;
}

function fail(message) {
  process.stderr.write(message);
  process.exit(1);
}

if (process.argv[1] === import.meta.filename) {
  const electron = electronBinary();
  if (electron === null) fail(MISSING_ELECTRON);

  const binding = await electronSqliteBinding().catch((error) =>
    fail(
      `ferret: could not build better-sqlite3 for Electron: ${error.message.split('\n')[0]}\n` +
        'It needs internet access (prebuilt addon or Electron headers) or a C++ toolchain. Meanwhile `npx ferret serve` runs Ferret in your browser.\n',
    ),
  );
  const build = spawnSync('npm', ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);

  const app = spawn(electron, [root, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, FERRET_SQLITE_BINDING: binding },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.kill(signal));
  app.on('close', (code) => process.exit(code ?? 1));
}
