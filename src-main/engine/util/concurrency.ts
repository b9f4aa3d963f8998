/**
 * Runs `work` over `items` with at most `concurrency` calls in flight and yields results as
 * they finish. Work keeps running while the consumer is busy with a result, which is what
 * lets photo decoding overlap with inference; the number of finished-but-unconsumed results
 * is bounded by `concurrency`, which bounds memory. `work` reports failures in its result
 * rather than rejecting: one bad item must not stop the others.
 */
export async function* mapConcurrent<T, R>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const iterator = items[Symbol.iterator]();
  const inFlight = new Map<number, Promise<{ key: number; result: R }>>();
  let nextKey = 0;
  const launch = () => {
    const next = iterator.next();
    if (next.done) return;
    const key = nextKey++;
    inFlight.set(
      key,
      work(next.value).then((result) => ({ key, result })),
    );
  };
  for (let i = 0; i < concurrency; i++) launch();
  while (inFlight.size > 0) {
    const { key, result } = await Promise.race(inFlight.values());
    inFlight.delete(key);
    launch();
    yield result;
  }
}
