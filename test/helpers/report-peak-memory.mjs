// Loaded into a process with `--import` (through NODE_OPTIONS): when the process exits, its
// peak resident memory (VmHWM, all threads together) in kB is written to the file named by
// FERRET_TEST_PEAK_MEMORY_FILE. Both variables are removed at once, so no process it starts
// reports over it. Linux only (/proc); elsewhere nothing is written.
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.FERRET_TEST_PEAK_MEMORY_FILE;
delete process.env.FERRET_TEST_PEAK_MEMORY_FILE;
delete process.env.NODE_OPTIONS;
if (file && isMainThread) {
  process.on('exit', () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const peak = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    if (peak !== undefined) writeFileSync(file, peak);
  });
}
