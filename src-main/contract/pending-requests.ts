/**
 * Request/response bookkeeping over a message port: each request gets an id, and the reply
 * carrying that id settles it. One helper for every such wire (main ↔ engine host, engine ↔
 * embedding worker); dependency-free so either side of any process boundary can use it.
 */
export class PendingRequests<T> {
  #next = 1;
  readonly #waiting = new Map<
    number,
    { resolve: (value: T) => void; reject: (e: Error) => void }
  >();

  /** Sends a request under a fresh id; resolves or rejects when `settle` gets that id. */
  open(send: (id: number) => void): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      send(id);
    });
  }

  settle(id: number, outcome: { ok: true; value: T } | { ok: false; error: string }): void {
    const waiting = this.#waiting.get(id);
    if (!waiting) return;
    this.#waiting.delete(id);
    if (outcome.ok) waiting.resolve(outcome.value);
    else waiting.reject(new Error(outcome.error));
  }

  /** The other side is gone: every request in flight fails with `error`. */
  failAll(error: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
