#!/usr/bin/env node
// What the Linux installer would unpack to, apart from Electron's own runtime: electron-builder
// itself applies electron-builder.yml's `files` and `asarUnpack` rules to the built app and
// its production node_modules (`--dir`), given an empty stand-in for the Electron
// distribution (its binary cannot be downloaded here) and without rebuilding native modules
// (a rebuild changes no file's presence, only the bytes of better-sqlite3's addon).
// Needs `npm run build` first. Prints one JSON object; the bench puts it in BENCHMARKS.md.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');

async function sizeOf(target) {
  const info = await stat(target).catch(() => null);
  if (info === null) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(target)) total += await sizeOf(path.join(target, entry));
  return total;
}

export async function linuxInstallerSize() {
  for (const built of ['dist/shell/main.js', 'dist/renderer/index.html']) {
    if (!existsSync(path.join(root, built)))
      throw new Error(`${built} is missing: run npm run build`);
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'ferret-installer-size-'));
  try {
    const electronDist = path.join(scratch, 'electron-dist');
    await mkdir(electronDist);
    await writeFile(path.join(electronDist, 'electron'), '');
    const { version } = JSON.parse(
      await readFile(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
    );
    const output = path.join(scratch, 'out');
    await promisify(execFile)(
      process.execPath,
      [
        path.join(root, 'node_modules', 'electron-builder', 'cli.js'),
        '--config',
        'electron-builder.yml',
        '--linux',
        'dir',
        '--x64',
        `-c.electronDist=${electronDist}`,
        `-c.electronVersion=${version}`,
        '-c.npmRebuild=false',
        `-c.directories.output=${output}`,
      ],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } },
    );
    const resources = path.join(output, 'linux-unpacked', 'resources');
    const asarBytes = await sizeOf(path.join(resources, 'app.asar'));
    const unpackedBytes = await sizeOf(path.join(resources, 'app.asar.unpacked'));
    const extraBytes = (await sizeOf(resources)) - asarBytes - unpackedBytes;
    const shippedOnnxruntimeBytes = await sizeOf(
      path.join(resources, 'app.asar.unpacked', 'node_modules', 'onnxruntime-node', 'bin'),
    );
    return {
      electronVersion: version,
      totalBytes: asarBytes + unpackedBytes + extraBytes,
      asarBytes,
      unpackedBytes,
      extraResourcesBytes: extraBytes,
      shippedOnnxruntimeBytes,
      leftOutOnnxruntimeBytes:
        (await sizeOf(path.join(root, 'node_modules', 'onnxruntime-node', 'bin'))) -
        shippedOnnxruntimeBytes,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  console.log(JSON.stringify(await linuxInstallerSize(), null, 2));
}
