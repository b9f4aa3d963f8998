import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Loaded into every test process (`--import`, see package.json): the process gets a temporary
 * folder of its own and is pointed at it through TMPDIR, so every mkdtemp of the tests and of
 * the processes they start lands inside, and it is removed when the process exits, whether
 * each test cleaned up or not. Caches meant to outlive a run (the corpus, generated models)
 * stay in the machine's temporary folder, named by FERRET_TEST_CACHE.
 */
process.env.FERRET_TEST_CACHE ??= os.tmpdir();
const privateTmp = mkdtempSync(path.join(os.tmpdir(), `ferret-test-${process.pid}-`));
// Open to every user like /tmp itself (sticky bit): some tests run a child as another user.
chmodSync(privateTmp, 0o1777);
// tsx caches what it transpiles in tsx-<uid> under the temporary folder it sees when it loads:
// this process's loaded before TMPDIR changed, but the worker threads and processes it starts
// would each begin with an empty cache here and transpile the engine afresh.
const tsxCache = `tsx-${process.geteuid?.() ?? os.userInfo().username}`;
mkdirSync(path.join(os.tmpdir(), tsxCache), { recursive: true });
symlinkSync(path.join(os.tmpdir(), tsxCache), path.join(privateTmp, tsxCache));
process.env.TMPDIR = privateTmp;
process.once('exit', () => rmSync(privateTmp, { recursive: true, force: true }));
