import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleCli, bundleShell } from '../../../scripts/bundle.mjs';
import { linuxInstallerSize, type LinuxInstallerSize } from '../../../scripts/installer-size.mjs';
import type { BenchConfig } from '../config.js';
import { log } from '../log.js';
import { summarize, type LatencySummary } from '../stats.js';
import { TEXT_QUERIES } from '../text-queries.js';

/** How the `ferret` command runs: the bundle it ships as, and the sources under tsx it replaced. */
export type CliRunner = 'bundle' | 'tsx';

export interface CliStartup {
  runner: CliRunner;
  command: string;
  starts: number;
  /** From spawning `ferret search` to its exit with the answer printed. */
  firstAnsweredMs: LatencySummary;
}

export interface DesktopReport {
  /** The library the CLI was asked: its label as in the query section. */
  library: string;
  cli: CliStartup[];
  installer: LinuxInstallerSize;
}

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const RUNNERS: Record<CliRunner, string[]> = {
  bundle: [path.join(REPO_ROOT, 'bin', 'ferret.js')],
  tsx: ['--import', 'tsx', path.join(REPO_ROOT, 'src-main', 'cli', 'main.ts')],
};

async function timedSearch(entry: string[], args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const elapsed = performance.now() - started;
  if (code !== 0 || (JSON.parse(stdout) as unknown[]).length === 0) {
    throw new Error(`ferret search exited with ${code}: ${stderr.trim().split('\n').at(-1)}`);
  }
  return elapsed;
}

/**
 * The `ferret` CLI from start to first answer (`ferret search` on an indexed library, in a
 * fresh process each time), from its bundle and from the sources under tsx; and the size of
 * what the Linux installer unpacks (scripts/installer-size.mjs).
 */
export async function runDesktopSection(
  config: BenchConfig,
  library: { label: string; libraryDir: string; modelDir: string },
): Promise<DesktopReport> {
  // The bundle is brought up to date before timing, so no start pays for a rebuild.
  await bundleCli();
  const cli: CliStartup[] = [];
  for (const runner of ['bundle', 'tsx'] as const) {
    log(`ferret search: ${config.coldStarts} fresh start(s) from the ${runner}`);
    const samples: number[] = [];
    for (let start = 0; start < config.coldStarts; start++) {
      const query = TEXT_QUERIES[start % TEXT_QUERIES.length]!;
      const args = ['--library', library.libraryDir, '--model-dir', library.modelDir, '--json'];
      samples.push(await timedSearch(RUNNERS[runner], [...args, 'search', query, '-k', '10']));
    }
    const command =
      runner === 'bundle' ? 'node bin/ferret.js' : 'node --import tsx src-main/cli/main.ts';
    cli.push({ runner, command, starts: samples.length, firstAnsweredMs: summarize(samples) });
  }

  log('building the app and measuring what the Linux installer would unpack');
  await promisify(execFile)('npm', ['run', 'build:renderer'], { cwd: REPO_ROOT });
  await bundleShell();
  const installer = await linuxInstallerSize();
  return { library: library.label, cli, installer };
}
