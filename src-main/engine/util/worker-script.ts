import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker script beside the module at `moduleUrl`: `<name>.ts` when running from source (under
 * tsx, which the worker must load first), `<name>.js` in a build, where esbuild writes each
 * worker next to the bundle that starts it. Null when this build has none.
 */
export function workerScript(moduleUrl: string, name: string): URL | null {
  const url = new URL(`./${name}.${moduleUrl.endsWith('.ts') ? 'ts' : 'js'}`, moduleUrl);
  return existsSync(fileURLToPath(url)) ? url : null;
}

/** Starts a worker thread on a script found by workerScript. */
export function startWorker(script: URL, workerData: unknown): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData });
  return new Worker(
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
       .then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); })`,
    { eval: true, workerData },
  );
}
