import type { DuplicatesBenchReport } from './sections/duplicates.js';

/** The heading's start, whatever the size measured (`--photos`). */
export const DUPLICATES_START = '## Duplicate groups at ';
export const DUPLICATES_END = '<!-- end of the duplicates section -->';

const ms = (value: number) =>
  value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 10 ? 2 : 0)} ms`;

/** The section of BENCHMARKS.md that `npm run bench -- --only duplicates` writes. */
export function renderDuplicates(
  report: DuplicatesBenchReport,
  context: { machine: string; contention: string; generatedAt: string },
): string {
  const perPhoto = report.perNewPhotoMs;
  return [
    `${DUPLICATES_START}${report.photos.toLocaleString('en')} photos`,
    '',
    `From \`npm run bench -- --only duplicates\` (\`--photos N\` for another size): ${report.photos.toLocaleString('en')} synthetic photos (${report.dimensions}-dimensional CLIP-like vectors, test/bench/synthetic-vectors.ts) with ${report.plantedNearCopies.toLocaleString('en')} planted near copies (the vector plus noise, cosine about 0.99) and ${report.plantedExactCopies.toLocaleString('en')} exact copies (same content hash), near-identical threshold ${report.threshold}; ${context.machine}, ${context.generatedAt}. ${context.contention}`,
    '',
    '| measure | result |',
    '| --- | --- |',
    `| groups from scratch (every photo's neighbours queried once, groups joined in SQLite) | ${ms(report.fromScratchMs)} (${ms(report.fromScratchMs / report.photos)} per photo) |`,
    `| per new photo (its neighbours queried, its group joined) | p50 ${ms(perPhoto.p50)}, p95 ${ms(perPhoto.p95)} over ${perPhoto.count} photos |`,
    `| listing the groups (the view's and \`ferret duplicates\`'s answer) | ${ms(report.listMs)}, ${report.groups.toLocaleString('en')} groups |`,
    `| planted near copies found in their original's group | ${report.nearCopiesFound} of ${report.plantedNearCopies} |`,
    `| HNSW index build, for reference (the library has it already) | ${ms(report.indexBuildMs)} |`,
    '',
    'Grouping never compares all pairs: from scratch costs one k-nearest-neighbour query per photo (k = 16), so it grows as n log n, and a new photo costs one query and one transaction, whatever the size of the library.',
    DUPLICATES_END,
  ].join('\n');
}

/** Puts the section into BENCHMARKS.md's text in place of an earlier one, or at its end. */
export function spliceDuplicates(markdown: string, section: string): string {
  const start = markdown.indexOf(DUPLICATES_START);
  const end = markdown.indexOf(DUPLICATES_END);
  if (start === -1 || end === -1) return `${markdown.trimEnd()}\n\n${section}\n`;
  return markdown.slice(0, start) + section + markdown.slice(end + DUPLICATES_END.length);
}

/** The section as an earlier run left it in BENCHMARKS.md, or null. */
export function duplicatesSectionOf(markdown: string): string | null {
  const start = markdown.indexOf(DUPLICATES_START);
  const end = markdown.indexOf(DUPLICATES_END);
  return start === -1 || end === -1 ? null : markdown.slice(start, end + DUPLICATES_END.length);
}
