/**
 * The child side of test/bench/child-process.ts: the JSON argument in, JSON lines out. Kept
 * apart from the parent side so a child loads nothing but what it measures.
 */

/** One report line on stdout. */
export function emit(event: string, data: object = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
}

/** The JSON argument the parent passed. */
export function childArgs<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('this script is started by test/bench/run.ts');
  return JSON.parse(raw) as T;
}
