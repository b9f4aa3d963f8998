import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Runs test files of `dir` in this process: every `*.test.ts` there in name order, or, for
 * shard `shard` of `shards`, every shards-th of them from the shard-th, so a new file runs
 * without being listed. `npm test` runs the folders this way (test/all-*-tests.ts) rather
 * than a process per file: each process cost Node, tsx's loader thread and its own load of
 * sharp, onnxruntime and the engine, about 2 CPU-s per file. A folder is split into a few
 * shards because one process runs its files one after another, waits (a watcher's grace
 * period, a child process) included, and those waits overlap only across processes.
 *
 * What a file does at its top level (a top-level before or after hook, an environment
 * variable, a module that reads the environment when first imported) reaches the files run
 * after it: keep hooks inside a describe, and name a file that needs a process to itself
 * `*.own-process.test.ts` (left out here; package.json runs it on its own). Any single file
 * still runs on its own as always.
 */
export async function importTestFiles(dir: string, shard = 1, shards = 1): Promise<void> {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts') && !name.endsWith('.own-process.test.ts'))
    .sort()
    .filter((_, i) => i % shards === shard - 1);
  for (const name of names) await import(pathToFileURL(path.join(dir, name)).href);
}
