import type { IndexingProgress } from '../../src-main/contract/api.js';
import { formatCount } from './format.js';

/** What the indexing panel says: a headline, how full its bar is, and one line of counts. */
export interface IndexingSummary {
  headline: string;
  /** 0 to 1. */
  fraction: number;
  counts: string;
}

/**
 * The panel's words for where indexing stands. A run that has found nothing to count yet (the
 * model still loading, the folders still being listed) says so rather than "0 / 0", and an
 * empty library is not "Up to date" behind a full bar.
 */
export function indexingSummary(progress: IndexingProgress, indexed: number): IndexingSummary {
  if (progress.state === 'idle') {
    return indexed === 0
      ? { headline: 'No photos indexed yet', fraction: 0, counts: 'Add a folder of photos' }
      : {
          headline: 'Up to date',
          fraction: 1,
          counts: `${formatCount(indexed)} photos indexed`,
        };
  }
  const headline = progress.state === 'paused' ? 'Indexing paused' : 'Indexing';
  if (progress.total === 0) {
    return { headline, fraction: 0, counts: 'Getting ready…' };
  }
  const done = formatCount(progress.done);
  const total = formatCount(progress.total);
  return {
    headline,
    fraction: progress.done / progress.total,
    // Stopped work says plainly that it is incomplete; the panel's Resume goes on with it.
    counts: progress.state === 'paused' ? `${done} of ${total} indexed` : `${done} / ${total}`,
  };
}
