import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { workerEntries } from '../../scripts/bundle.mjs';

/**
 * Benchmarks that need a process of their own (start-up time, resident memory, indexing with
 * queries alongside) run a script from children/. The script reports with JSON lines on
 * stdout, `{ "event": name, ...data }`; the parent stamps each with the milliseconds since it
 * spawned the child, so start-up is measured from outside the child.
 *
 * Two ways to run one, as the doors do: `tsx` transpiles the sources on the fly (the `ferret`
 * CLI), `bundle` runs an esbuild bundle under plain node (the desktop's engine host).
 */
export type ChildRunner = 'tsx' | 'bundle';

export interface ChildEvent {
  event: string;
  /** Milliseconds from spawn to the parent reading the line. */
  atMs: number;
  data: Record<string, unknown>;
}

const CHILDREN_DIR = path.join(import.meta.dirname, 'children');
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
/** Inside the repository, so the bundle's bare imports resolve to its node_modules. */
const BUNDLE_DIR = path.join(REPO_ROOT, 'bench-results', '.bundles');

const bundles = new Map<string, Promise<string>>();

const esmBundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${process.versions.node.split('.')[0]}`,
  packages: 'external',
  logLevel: 'error',
} as const;

let workers: Promise<unknown> | undefined;

/** The worker threads the engine finds beside its bundle, as the engine host has them. */
function bundledWorkers(): Promise<unknown> {
  workers ??= build({
    ...esmBundle,
    entryPoints: workerEntries,
    outdir: BUNDLE_DIR,
  });
  return workers;
}

/**
 * Bundled like the engine host (package.json build:shell): dependencies stay external, and
 * the workers lie beside it.
 */
function bundled(script: string): Promise<string> {
  let bundle = bundles.get(script);
  if (bundle === undefined) {
    const outfile = path.join(BUNDLE_DIR, script.replace(/\.ts$/, '.mjs'));
    bundle = Promise.all([
      build({ ...esmBundle, entryPoints: [path.join(CHILDREN_DIR, script)], outfile }),
      bundledWorkers(),
    ]).then(() => outfile);
    bundles.set(script, bundle);
  }
  return bundle;
}

export async function runChild(
  script: string,
  args: unknown,
  runner: ChildRunner = 'tsx',
): Promise<ChildEvent[]> {
  const entry =
    runner === 'tsx'
      ? ['--import', 'tsx', path.join(CHILDREN_DIR, script)]
      : [await bundled(script)];
  // A bundle cannot find the model manifests beside its sources; the shell says where they are.
  const env = { ...process.env, FERRET_MODELS_DIR: path.join(REPO_ROOT, 'models') };
  const started = performance.now();
  const child = spawn(process.execPath, [...entry, JSON.stringify(args)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: ChildEvent[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const atMs = performance.now() - started;
    try {
      const { event, ...data } = JSON.parse(line) as { event: string };
      events.push({ event, atMs, data });
    } catch {
      process.stderr.write(`${script}: ${line}\n`);
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    const tail = stderr.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${script} (${runner}) exited with ${code}: ${tail}`);
  }
  return events;
}

/** The child's event with this name; a missing one is the child's bug. */
export function findEvent<T>(
  events: readonly ChildEvent[],
  name: string,
): { data: T; atMs: number } {
  const found = events.find((event) => event.event === name);
  if (found === undefined) throw new Error(`the child reported no "${name}" event`);
  return { data: found.data as T, atMs: found.atMs };
}
