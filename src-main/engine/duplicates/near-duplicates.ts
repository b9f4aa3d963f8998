import { errorMessage } from '../../contract/format.js';
import type { Catalog } from '../catalog/catalog.js';
import { backgroundTurn } from '../util/background-turns.js';
import type { Logger } from '../util/logger.js';
import type { VectorStore } from '../vector-store.js';

/**
 * Neighbours looked at per photo. Copies beyond these still join the group, through the
 * copies that do find them (every member finds its own nearest).
 */
const NEIGHBOURS = 16;
/** Photos compared per read of the catalog. */
const BATCH = 64;
/** How long comparing holds the thread before queries and events get in. */
const SLICE_MS = 40;

/**
 * Keeps a model's near-duplicate groups as photos are embedded: each new vector is compared
 * with its nearest neighbours in the HNSW index (never with every photo), and joins the
 * groups of those at or above the model's near-identical threshold, which merge (the groups
 * are the connected pieces of the "near-identical" relation). The groups live in the catalog
 * beside the vectors (vectors.near_group), where triggers send a group back to be compared
 * again when one of its vectors goes or changes; what is not compared yet is simply the
 * vectors whose group is unknown, so nothing is lost when Ferret stops half-way.
 */
export class NearDuplicates {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly vectors: VectorStore,
    /** The cosine that makes two photos near-identical; null: this model cannot tell. */
    readonly threshold: number | null,
    private readonly readOnly: boolean,
    private readonly logger: Logger,
  ) {
    const key = `duplicates.nearThreshold.${vectors.modelKey}`;
    // Groups formed at another threshold (a manifest whose calibration changed) are redone.
    if (!readOnly && threshold !== null && catalog.getSetting(key) !== threshold) {
      catalog.transaction(() => {
        catalog.forgetNearGroups(vectors.modelId);
        catalog.setSetting(key, threshold);
      });
    }
  }

  /** How many embedded photos are not yet compared with their neighbours. */
  uncompared(): number {
    return this.threshold === null ? 0 : this.catalog.countUncomparedVectors(this.vectors.modelId);
  }

  /**
   * Compares every photo not yet compared, in the background; resolves when none is left (or
   * the index is not ready to answer: those wait for the next call). Calls while it runs join
   * the run, which goes round again for what they brought.
   */
  compare(): Promise<void> {
    if (this.threshold === null || this.readOnly || this.closed) return Promise.resolve();
    this.again = true;
    this.running ??= (async () => {
      try {
        while (this.again && !this.closed) {
          this.again = false;
          await this.compareAll(this.threshold!);
        }
      } catch (error) {
        this.logger.warn(`comparing photos for duplicates: ${errorMessage(error)}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Stops comparing (what is done stays done) before the store underneath closes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async compareAll(threshold: number): Promise<void> {
    await this.vectors.whenOpened();
    // While the index is rebuilt, neighbours come from an exact pass over the catalog: far
    // too slow to run for every photo. The rebuild's end is followed by another call.
    if (this.vectors.status().state !== 'ready') return;
    const { modelId } = this.vectors;
    await backgroundTurn();
    let sliceEnd = performance.now() + SLICE_MS;
    for (;;) {
      const rows = this.catalog.uncomparedVectors(modelId, BATCH);
      if (rows.length === 0 || this.closed) return;
      const found: { photoId: number; near: number[] }[] = [];
      for (const { photoId, bytes } of rows) {
        const vector = this.catalog.decodeVector(modelId, bytes);
        const neighbours = await this.vectors.search(vector, NEIGHBOURS, new Set([photoId]));
        const near = neighbours.filter((neighbour) => neighbour.score >= threshold);
        found.push({ photoId, near: near.map((neighbour) => neighbour.id) });
        if (performance.now() > sliceEnd) break;
      }
      // One transaction for the batch; joined in turn, so photos of one batch find each other.
      this.catalog.transaction(() => {
        for (const { photoId, near } of found) this.catalog.joinNearGroup(modelId, photoId, near);
      });
      if (performance.now() > sliceEnd) {
        await backgroundTurn();
        sliceEnd = performance.now() + SLICE_MS;
      }
    }
  }
}
