/**
 * `npm run bench [-- --quick] [-- --out DIR]`: indexing throughput and its stages, query
 * latency and start-up, find-similar and the vector index at scale, each against the issue's
 * targets, in one run. Writes a JSON report into bench-results/ and, for a full run,
 * BENCHMARKS.md at the repository root (a quick run writes its Markdown next to the JSON).
 * `npm run bench -- --render FILE.json` writes the Markdown again from a saved report, and
 * `npm run bench -- --only desktop` measures the CLI start-up and installer size alone, and
 * `npm run bench -- --only heic` HEIC against JPEG alone, `npm run bench -- --only duplicates`
 * duplicate grouping at 100,000 photos alone (`--photos N` for another size), and
 * `npm run bench -- --only filters` filtered search and browsing on 100,000 synthetic photos.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { CpuLoadMonitor } from './cpu-load.js';
import { FULL_CONFIG, QUICK_CONFIG, type BenchConfig } from './config.js';
import { log } from './log.js';
import { describeMachine } from './machine.js';
import { benchModels, type BenchModels } from './models.js';
import { roundsOfCorpus } from './photos.js';
import {
  DESKTOP_HEADING,
  HEIC_HEADING,
  desktopSection,
  heicSection,
  renderMarkdown,
  writeJsonReport,
  type BenchReport,
  type ModelFiles,
} from './report.js';
import { runDesktopSection } from './sections/desktop.js';
import { runIndexingSection } from './sections/indexing.js';
import { runPipelineSection, type ModelVariant } from './sections/pipeline.js';
import { runQuerySection, type LibraryUnderTest } from './sections/queries.js';
import { manifestIn } from './sections/stages.js';
import { runVectorSection } from './sections/vectors.js';
import {
  MILLION_PARTS,
  prepareMillionLibrary,
  runMillionSection,
  type MillionConfig,
  type MillionPart,
  type MillionReport,
} from './sections/million.js';
import { MILLION_END, MILLION_START, renderMillion, spliceMillion } from './million-report.js';
import { runHeicSection, type HeicReport } from './sections/heic.js';
import { runDuplicatesSection } from './sections/duplicates.js';
import { duplicatesSectionOf, renderDuplicates, spliceDuplicates } from './duplicates-report.js';
import { FILTERS_HEADING, filtersSection, runFiltersSection } from './sections/filters.js';
import { checkTargets, heicTarget } from './targets.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      render: { type: 'string' },
      only: { type: 'string' },
      million: { type: 'boolean', default: false },
      photos: { type: 'string' },
      'reconcile-files': { type: 'string' },
      'indexed-photos': { type: 'string' },
      prepare: { type: 'boolean', default: false },
      parts: { type: 'string' },
    },
    strict: true,
  });
  const outDir = path.resolve(values.out ?? path.join(REPO_ROOT, 'bench-results'));
  const config = values.quick ? QUICK_CONFIG : FULL_CONFIG;
  if (values.render !== undefined && values.million) {
    const report = JSON.parse(await readFile(values.render, 'utf8')) as MillionReport;
    log(`wrote ${await writeMillionSection(report, config, outDir)}`);
    return;
  }
  if (values.render !== undefined) {
    const report = JSON.parse(await readFile(values.render, 'utf8')) as BenchReport;
    log(`wrote ${await writeMarkdown(report, outDir)}`);
    return;
  }
  if (values.million) {
    await runMillion(
      {
        ...config.million,
        ...(values.photos ? { photos: Number(values.photos) } : {}),
        ...(values['indexed-photos'] ? { indexedPhotos: Number(values['indexed-photos']) } : {}),
        ...(values['reconcile-files'] ? { reconcileFiles: Number(values['reconcile-files']) } : {}),
      },
      config,
      outDir,
      values.prepare,
      millionParts(values.parts),
    );
    return;
  }
  const started = performance.now();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'ferret-bench-'));
  if (values.only !== undefined) {
    if (!['desktop', 'heic', 'duplicates', 'filters'].includes(values.only)) {
      throw new Error(
        `--only takes "desktop", "heic", "duplicates" or "filters", not "${values.only}"`,
      );
    }
    try {
      const written =
        values.only === 'desktop'
          ? await measureDesktopOnly(config, scratch)
          : values.only === 'heic'
            ? await measureHeicOnly(config)
            : values.only === 'filters'
              ? await measureFiltersOnly(config)
              : await measureDuplicatesOnly(
                  config,
                  scratch,
                  values.photos ? Number(values.photos) : 100_000,
                  outDir,
                );
      log(`wrote ${written}`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    return;
  }
  try {
    const report = await runBenchmarks(config, scratch);
    report.durationS = (performance.now() - started) / 1000;
    const jsonFile = await writeJsonReport(report, outDir);
    const markdownFile = await writeMarkdown(report, outDir);
    for (const check of report.targets) {
      log(
        `${check.met ? 'met   ' : 'MISSED'} ${check.target} (${check.subject}): ${check.measured}`,
      );
    }
    log(`wrote ${path.relative(process.cwd(), jsonFile)} and ${markdownFile}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** BENCHMARKS.md for a full run; a smoke run's Markdown stays beside its JSON. */
async function writeMarkdown(report: BenchReport, outDir: string): Promise<string> {
  const file = markdownFile(report.config.mode, outDir);
  // The million-photo section comes from its own run (--million) and stays.
  const earlier = await readFile(file, 'utf8').catch(() => '');
  const million = earlier.slice(
    earlier.indexOf(MILLION_START),
    earlier.indexOf(MILLION_END) + MILLION_END.length,
  );
  const markdown = renderMarkdown(report);
  const withMillion = earlier.includes(MILLION_START)
    ? spliceMillion(markdown, million)
    : `${markdown}\n`;
  // So do the duplicates section (--only duplicates) and the filtered-search section
  // (--only filters).
  const duplicates = duplicatesSectionOf(earlier);
  const filters = sectionIn(earlier, FILTERS_HEADING);
  const withDuplicates =
    duplicates === null ? withMillion : spliceDuplicates(withMillion, duplicates);
  await writeFile(
    file,
    filters === null ? withDuplicates : spliceSection(withDuplicates, FILTERS_HEADING, filters),
  );
  return path.relative(process.cwd(), file);
}

/** Duplicate grouping at scale on synthetic vectors, into its own section of the Markdown. */
async function measureDuplicatesOnly(
  config: BenchConfig,
  scratch: string,
  photos: number,
  outDir: string,
): Promise<string> {
  const machine = describeMachine();
  const monitor = new CpuLoadMonitor();
  const report = await runDuplicatesSection({
    photos,
    newPhotos: 200,
    libraryDir: path.join(scratch, 'library-duplicates'),
  });
  const others = monitor.othersShare();
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'duplicates.json'), JSON.stringify(report, null, 2));
  const section = renderDuplicates(report, {
    machine: `${machine.cpuModel}, ${machine.cores} cores`,
    contention:
      others === null
        ? ''
        : `Other processes used ${(others * 100).toFixed(0)}% of the CPU time during the run (the machine is shared); the timings include that contention.`,
    generatedAt: new Date().toISOString(),
  });
  const file = markdownFile(config.mode, outDir);
  const earlier = await readFile(file, 'utf8').catch(() => '');
  await writeFile(file, spliceDuplicates(earlier, section));
  log(section);
  return path.relative(process.cwd(), file);
}

/**
 * The CLI start-up and installer figures on their own, written into BENCHMARKS.md (or the
 * quick Markdown) in place of that section: they need a fresh library, not a whole run.
 */
async function measureDesktopOnly(config: BenchConfig, scratch: string): Promise<string> {
  const models = await benchModels(config.modelSize);
  const photosDir = path.join(scratch, 'photos');
  const photos = await roundsOfCorpus(photosDir, 1, config.photosPerRound);
  const libraryDir = path.join(scratch, 'library');
  log(`indexing ${photos.length} photos with the fp32 model for the CLI start-up`);
  await promisify(execFile)(
    process.execPath,
    [
      path.join(REPO_ROOT, 'bin', 'ferret.js'),
      '--library',
      libraryDir,
      '--model-dir',
      models.fp32Dir,
      'index',
      photosDir,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const load = new CpuLoadMonitor();
  const desktop = await runDesktopSection(config, {
    label: `fp32, corpus library (${photos.length} photos)`,
    libraryDir,
    modelDir: models.fp32Dir,
  });
  const othersShare = load.othersShare();
  const section = desktopSection(desktop, {
    date: new Date().toISOString().slice(0, 10),
    othersCpuShare: othersShare,
  });
  return replaceSection(config, DESKTOP_HEADING, section);
}

/** The HEIC figures on their own, written into BENCHMARKS.md (or the quick Markdown). */
async function measureHeicOnly(config: BenchConfig): Promise<string> {
  const heic = await measureHeic(config, await benchModels(config.modelSize));
  const today = new Date().toISOString().slice(0, 10);
  const check = heicTarget(heic);
  log(`${check.met ? 'met   ' : 'MISSED'} ${check.target} (${check.subject}): ${check.measured}`);
  return replaceSection(config, HEIC_HEADING, heicSection(heic, today));
}

function measureHeic(config: BenchConfig, models: BenchModels): Promise<HeicReport> {
  const { batchSize, intraOpThreads } = config.defaultTuning;
  return runHeicSection({
    spec: manifestIn(models.fp32Dir).image,
    rounds: config.heicRounds,
    modelDir: models.fp32Dir,
    batchSize,
    intraOpThreads,
  });
}

/**
 * Filtered search and browsing on their own (a synthetic library with metadata, kept between
 * runs), written into BENCHMARKS.md (or the quick Markdown) in place of that section.
 */
async function measureFiltersOnly(config: BenchConfig): Promise<string> {
  const models = await benchModels(config.modelSize);
  const report = await runFiltersSection({
    photos: config.filterPhotos,
    queries: config.recallQueries,
    modelDir: models.fp32Dir,
  });
  const machine = describeMachine();
  const section = filtersSection(
    report,
    `${new Date().toISOString().slice(0, 10)} (${machine.cpuModel}, ${machine.cores} cores, shared with other sessions)`,
  );
  log(section);
  return replaceSection(config, FILTERS_HEADING, section);
}

/** Puts `section` (starting with `heading`) into the Markdown in place of its earlier self. */
async function replaceSection(
  config: BenchConfig,
  heading: string,
  section: string,
): Promise<string> {
  const file =
    config.mode === 'full'
      ? path.join(REPO_ROOT, 'BENCHMARKS.md')
      : path.join(REPO_ROOT, 'bench-results', 'BENCHMARKS.quick.md');
  const markdown = await readFile(file, 'utf8').catch(() => '# Ferret benchmarks\n');
  const updated = spliceSection(markdown, heading, section);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, updated);
  return path.relative(process.cwd(), file);
}

/** The Markdown with `section` in place of its earlier self, else before the method section. */
function spliceSection(markdown: string, heading: string, section: string): string {
  const start = markdown.indexOf(heading);
  const end = start === -1 ? -1 : markdown.indexOf('\n## ', start + heading.length);
  const method = markdown.indexOf('## How it is measured');
  return start !== -1
    ? `${markdown.slice(0, start)}${section}${end === -1 ? '\n' : `\n${markdown.slice(end)}`}`
    : method !== -1
      ? `${markdown.slice(0, method)}${section}\n\n${markdown.slice(method)}`
      : `${markdown.trimEnd()}\n\n${section}\n`;
}

/** A section of the Markdown (from its heading to the next), or null when it has none. */
function sectionIn(markdown: string, heading: string): string | null {
  const start = markdown.indexOf(heading);
  if (start === -1) return null;
  const end = markdown.indexOf('\n## ', start + heading.length);
  return markdown.slice(start, end === -1 ? undefined : end).trimEnd();
}

function markdownFile(mode: BenchConfig['mode'], outDir: string): string {
  return mode === 'full'
    ? path.join(REPO_ROOT, 'BENCHMARKS.md')
    : path.join(outDir, 'BENCHMARKS.quick.md');
}

/**
 * `npm run bench -- --million [--photos N] [--indexed-photos N] [--reconcile-files N]`: the
 * million-photo library on its own (it takes most of an hour at a million, for the index build),
 * written into its section of BENCHMARKS.md (with --quick: a small library, into the quick
 * Markdown). With `--prepare` it only makes the cached library, measuring nothing. With
 * `--parts exact,starts` (of exact, starts, warm, reconcile, save, removal, float16) it measures
 * only those and takes the rest from the last run's million.json in the output folder; with
 * `--render FILE.json` it writes the section again from that report, measuring nothing.
 */
async function runMillion(
  million: MillionConfig,
  config: BenchConfig,
  outDir: string,
  prepareOnly: boolean,
  parts: readonly MillionPart[],
): Promise<void> {
  if (prepareOnly) {
    const models = await benchModels(config.modelSize);
    const library = await prepareMillionLibrary(million, models.fp32Dir);
    log(`the library is ready in ${library.libraryDir}`);
    return;
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'ferret-bench-million-'));
  try {
    const machine = describeMachine();
    const models = await benchModels(config.modelSize);
    const monitor = new CpuLoadMonitor();
    const reportFile = path.join(outDir, 'million.json');
    const earlierReport =
      parts.length === MILLION_PARTS.length
        ? null
        : (JSON.parse(await readFile(reportFile, 'utf8')) as MillionReport);
    const measured = await runMillionSection({
      config: million,
      modelDir: models.fp32Dir,
      parts,
      earlier: earlierReport,
      scratchDir: async (name) => {
        const dir = path.join(scratch, name);
        await mkdir(dir, { recursive: true });
        return dir;
      },
    });
    const others = monitor.othersShare();
    const load = monitor.loadAverage();
    const contention =
      (others === null
        ? ''
        : `Other processes used ${(others * 100).toFixed(0)}% of the CPU time during the run (the machine is shared with other sessions); the timings include that contention. `) +
      `Load average during the run: mean ${load.mean.toFixed(1)}, highest ${load.max.toFixed(1)}, on ${machine.cores} cores.`;
    const runs = [
      ...(earlierReport?.runs ?? [])
        .map((run) => ({ ...run, parts: run.parts.filter((part) => !parts.includes(part)) }))
        .filter((run) => run.parts.length > 0),
      { at: new Date().toISOString(), parts: [...parts], contention },
    ];
    const report: MillionReport = { ...measured, runs };
    await mkdir(outDir, { recursive: true });
    await writeFile(reportFile, JSON.stringify(report, null, 2));
    log(`wrote ${await writeMillionSection(report, config, outDir)}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The million section into its place in the Markdown; returns the file's path. */
async function writeMillionSection(
  report: MillionReport,
  config: BenchConfig,
  outDir: string,
): Promise<string> {
  const machine = describeMachine();
  const section = renderMillion(report, config.million, {
    machine: `${machine.cpuModel}, ${machine.cores} cores`,
  });
  const file = markdownFile(config.mode, outDir);
  const earlier = await readFile(file, 'utf8').catch(() => '');
  await writeFile(file, spliceMillion(earlier, section));
  log(section);
  return path.relative(process.cwd(), file);
}

/** `--parts exact,starts`: the million section's parts to measure (all when not given). */
function millionParts(list: string | undefined): readonly MillionPart[] {
  if (list === undefined) return MILLION_PARTS;
  const parts = list.split(',');
  for (const part of parts) {
    if (!(MILLION_PARTS as readonly string[]).includes(part)) {
      throw new Error(`--parts takes some of ${MILLION_PARTS.join(', ')}, not "${part}"`);
    }
  }
  return parts as MillionPart[];
}

async function runBenchmarks(config: BenchConfig, scratch: string): Promise<BenchReport> {
  const scratchDir = async (name: string) => {
    const dir = path.join(scratch, name);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  const machine = describeMachine();
  log(
    `${config.mode} run on ${machine.cpuModel}, ${machine.cores} cores; preparing models and photos`,
  );
  const models = await benchModels(config.modelSize);
  const photosDir = await scratchDir('photos');
  const photos = await roundsOfCorpus(photosDir, config.libraryRounds, config.photosPerRound);
  const roundPhotos = photos.filter((photo) => photo.startsWith(path.join(photosDir, 'round-1')));

  const whole = new CpuLoadMonitor();
  const backgroundLoad: Record<string, number | null> = {};
  const section = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const monitor = new CpuLoadMonitor();
    const result = await run();
    backgroundLoad[name] = monitor.othersShare();
    return result;
  };

  const pipeline = await section('stages', () =>
    runPipelineSection({ config, models, roundPhotos, scratchDir }),
  );
  const indexing = await section('indexing', () =>
    runIndexingSection({
      config,
      models,
      photosDir,
      libraryPhotos: photos,
      scratchDir,
    }),
  );
  const vectors = await section('vector index', () =>
    runVectorSection({ config, modelDir: models.fp32Dir, scratchDir }),
  );

  const largest = vectors.scales.at(-1)!;
  const libraries: LibraryUnderTest[] = [
    ...(['fp32', 'int8'] as const).map((variant) => ({
      label: `${variant}, corpus library (${photos.length} photos)`,
      kind: 'corpus' as const,
      variant,
      libraryDir: indexing.libraries[variant],
      modelDir: variant === 'fp32' ? models.fp32Dir : models.int8Dir,
      photos: photos.length,
    })),
    {
      label: `fp32, synthetic library (${largest.vectors.toLocaleString('en')} vectors)`,
      kind: 'synthetic',
      variant: 'fp32',
      libraryDir: largest.libraryDir,
      modelDir: models.fp32Dir,
      photos: largest.vectors,
    },
  ];
  const queries = await section('queries', async () => {
    const reports = [];
    for (const library of libraries) reports.push(await runQuerySection(config, library));
    return reports;
  });
  const desktop = await section('desktop', () => runDesktopSection(config, libraries[0]!));
  const heic = await section('heic', () => measureHeic(config, models));
  backgroundLoad['whole run'] = whole.othersShare();

  return {
    generatedAt: new Date().toISOString(),
    durationS: 0,
    commands: [
      'bash ../shared/corpus/get-photos.sh   # once; test/helpers/corpus.ts does it on demand',
      config.mode === 'full' ? 'npm run bench' : 'npm run bench -- --quick',
    ],
    machine,
    backgroundLoad,
    config,
    models: modelFiles(models),
    pipeline,
    indexing,
    queries,
    vectors,
    desktop,
    heic,
    targets: checkTargets({ cores: machine.cores, pipeline, indexing, queries, vectors, heic }),
  };
}

function modelFiles(models: BenchModels): Record<ModelVariant, ModelFiles> {
  const describe = (dir: string): ModelFiles => {
    const manifest = manifestIn(dir);
    const bytesOf = (file: string | undefined) =>
      manifest.files.find((entry) => entry.path === file)?.bytes ?? 0;
    return {
      id: manifest.id,
      imageTowerBytes: bytesOf(manifest.image.file),
      textTowerBytes: bytesOf(manifest.text?.file),
    };
  };
  return { fp32: describe(models.fp32Dir), int8: describe(models.int8Dir) };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
