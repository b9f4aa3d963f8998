import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/*
 * `npm test` runs the unit tests in this one process rather than a process per file: each
 * process costs Node, tsx's loader thread and its own load of sharp, onnxruntime and the
 * engine (0.7 CPU-s and more), which was half the unit tier's CPU time. Every
 * test/unit/*.test.ts is imported, in name order, so a new file runs without being listed.
 * What a file does at its top level (a top-level before or after hook, an environment
 * variable) reaches the files after it here: keep such things inside a describe. A file that
 * needs a process to itself (it measures the process's memory) is named *.own-process.test.ts,
 * which package.json runs on its own; run any single file on its own as always.
 */
const UNIT_DIR = path.join(import.meta.dirname, 'unit');
const files = readdirSync(UNIT_DIR)
  .filter((name) => name.endsWith('.test.ts') && !name.endsWith('.own-process.test.ts'))
  .sort();
for (const name of files) await import(pathToFileURL(path.join(UNIT_DIR, name)).href);
