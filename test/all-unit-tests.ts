import path from 'node:path';
import { importTestFiles } from './helpers/test-files.js';

// npm test runs the unit tests in this one process (see importTestFiles).
await importTestFiles(path.join(import.meta.dirname, 'unit'));
