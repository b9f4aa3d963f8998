const started = performance.now();

/** Progress on stderr, stamped with the seconds since the run began. */
export function log(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}
