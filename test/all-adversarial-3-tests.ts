import path from 'node:path';
import { importTestFiles } from './helpers/test-files.js';

// npm test runs the adversarial tests in three processes, this one shard 3 (see importTestFiles).
await importTestFiles(path.join(import.meta.dirname, 'adversarial'), 3, 3);
