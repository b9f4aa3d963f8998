import path from 'node:path';
import { importTestFiles } from './helpers/test-files.js';

// npm test runs the integration tests in three processes, this one shard 3 (see importTestFiles).
await importTestFiles(path.join(import.meta.dirname, 'integration'), 3, 3);
