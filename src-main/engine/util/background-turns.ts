/**
 * Work that runs in the background (removing a folder, comparing photos for duplicates,
 * reconciling a folder with the disk, rebuilding or catching up the vector index, an exact
 * search while it is rebuilt) holds the thread in slices and waits here between them.
 * Awaiting setImmediate alone is not enough: two jobs that both yield that way resume in the
 * same turn of the event loop, one after the other, and a query that arrives meanwhile waits
 * for both slices (a folder's removal and the duplicate comparison, 40 ms each, held the
 * thread for 105 ms of its own time together). Here the waiting slices take turns, one slice
 * per turn of the event loop, oldest first.
 */
const waiting: (() => void)[] = [];
let turnScheduled = false;

/** Resolves in a later turn of the event loop, when no other background slice runs in it. */
export function backgroundTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!turnScheduled) {
      turnScheduled = true;
      setImmediate(giveTurn);
    }
  });
}

function giveTurn(): void {
  const next = waiting.shift();
  // Scheduled from within this turn's immediates, so it runs in the next turn, after I/O.
  if (waiting.length > 0) setImmediate(giveTurn);
  else turnScheduled = false;
  next?.();
}
