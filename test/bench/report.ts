import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchConfig } from './config.js';
import { describeTuning } from './config.js';
import { count, fixed, megabytes, mib, ms, p50p95, rate, ratio, table } from './format.js';
import type { MachineInfo } from './machine.js';
import type { IndexingReport } from './sections/indexing.js';
import type { ModelVariant, PipelineReport } from './sections/pipeline.js';
import type { QueryReport } from './sections/queries.js';
import type { DesktopReport } from './sections/desktop.js';
import type { VectorReport } from './sections/vectors.js';
import type { HeicReport } from './sections/heic.js';
import { RUNNER_NAMES, heicTarget, type TargetCheck } from './targets.js';

export interface ModelFiles {
  id: string;
  imageTowerBytes: number;
  textTowerBytes: number;
}

export interface BenchReport {
  generatedAt: string;
  durationS: number;
  commands: string[];
  machine: MachineInfo;
  /** Share of the machine's CPU that other processes used, per section and over the run. */
  backgroundLoad: Record<string, number | null>;
  config: BenchConfig;
  models: Record<ModelVariant, ModelFiles>;
  pipeline: PipelineReport;
  indexing: IndexingReport;
  queries: QueryReport[];
  vectors: VectorReport;
  /** Absent from reports written before it was measured. */
  desktop?: DesktopReport;
  /** Absent from reports written before it was measured. */
  heic?: HeicReport;
  targets: TargetCheck[];
}

/** Writes the JSON report into `outDir` (timestamped, and as latest.json); returns its path. */
export async function writeJsonReport(report: BenchReport, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = report.generatedAt.replace(/[:.]/g, '-');
  const file = path.join(outDir, `bench-${report.config.mode}-${stamp}.json`);
  await writeFile(file, json);
  await writeFile(path.join(outDir, `latest-${report.config.mode}.json`), json);
  return file;
}

export function renderMarkdown(report: BenchReport): string {
  return [
    header(report),
    machineSection(report),
    targetsSection(report.targets),
    findingsSection(report),
    indexingSection(report),
    modelSection(report),
    querySection(report),
    vectorSection(report.vectors),
    ...(report.desktop ? [desktopSection(report.desktop)] : []),
    ...(report.heic ? [heicSection(report.heic)] : []),
    methodSection(report),
  ].join('\n\n');
}

export const DESKTOP_HEADING = '## The CLI and the desktop installer';

/** `--only desktop` writes this section into an existing BENCHMARKS.md, saying so. */
export function desktopSection(
  desktop: DesktopReport,
  separateRun?: { date: string; othersCpuShare: number | null },
): string {
  const cliRows = desktop.cli.map((startup) => [
    `\`${startup.command} search\``,
    String(startup.starts),
    p50p95(startup.firstAnsweredMs),
  ]);
  const size = desktop.installer;
  const note = separateRun
    ? `\n\nMeasured on its own by \`npm run bench -- --only desktop\` on ${separateRun.date}, not in the run above${separateRun.othersCpuShare === null ? '' : `; other processes used ${fixed(100 * separateRun.othersCpuShare, 0)}% of the machine's CPU meanwhile${separateRun.othersCpuShare > BUSY_SHARE ? ', so these times are longer than the machine alone would give' : ''}`}.`
    : '';
  return `${DESKTOP_HEADING}${note}

\`ferret search\` from a fresh process to its exit with the answer printed (${desktop.library}):

${table(['Command', 'Starts', 'p50 / p95'], cliRows)}

What the Linux installer unpacks besides Electron's own runtime (electron-builder \`--dir\` with electron-builder.yml's rules; Electron ${size.electronVersion}): **${megabytes(size.totalBytes)}** — app.asar ${megabytes(size.asarBytes)}, unpacked native modules ${megabytes(size.unpackedBytes)} (onnxruntime ${megabytes(size.shippedOnnxruntimeBytes)}), model manifests ${megabytes(size.extraResourcesBytes)}. The platform rules leave out ${megabytes(size.leftOutOnnxruntimeBytes)} of onnxruntime binaries for other OSes and architectures, which every installer carried before.`;
}

export const HEIC_HEADING = '## HEIC against JPEG';

/** `--only heic` writes this section into an existing BENCHMARKS.md, saying so. */
export function heicSection(heic: HeicReport, separateRun?: string): string {
  const share = (decodeMs: number) => decodeMs / (decodeMs + heic.modelMsPerPhoto);
  const rows = heic.pairs.map((pair) => [
    pair.name,
    fixed(pair.megapixels, 1),
    p50p95(pair.jpegMs),
    p50p95(pair.heicMs),
    ratio(pair.ratio),
    `${fixed(100 * share(pair.jpegMs.p50), 0)}% / ${fixed(100 * share(pair.heicMs.p50), 0)}%`,
  ]);
  const note = separateRun
    ? `\n\nMeasured on its own by \`npm run bench -- --only heic\` on ${separateRun}, not in the run above.`
    : '';
  return `${HEIC_HEADING}${note}

What indexing does to a photo before the model (decode, CLIP tensor, thumbnail), one photo at a time, ${heic.rounds} round${heic.rounds === 1 ? '' : 's'} each, for the HEIC files libheif's encoder made from corpus photos (shared/formats) and the JPEGs they were made from. The share is that work's part of the photo's indexing time beside the fp32 image tower (${ms(heic.modelMsPerPhoto)} a photo at the default batch and threads). HEIC is decoded by libheif as WebAssembly on worker threads (the engine's decode concurrency runs several at once).

${table(['Photo', 'MP', 'JPEG p50 / p95', 'HEIC p50 / p95', 'HEIC / JPEG', 'Share of indexing time (JPEG / HEIC)'], rows)}

${verdict(heicTarget(heic))}`;
}

function verdict(check: TargetCheck): string {
  const outcome = check.met ? '**met**' : `**missed** (${check.shortfall})`;
  const why = check.why === null ? '' : ` ${check.why}`;
  return `${check.target}, ${check.subject}: ${outcome}: ${check.measured}.${why}`;
}

function header(report: BenchReport): string {
  const quick =
    report.config.mode === 'quick'
      ? '\n\n**Smoke run (`--quick`): tiny model and a handful of photos; these numbers say nothing about performance.**'
      : '';
  return `# Ferret benchmarks

Written by \`npm run bench\` (test/bench/run.ts) on ${report.generatedAt.slice(0, 10)}; the run took ${fixed(report.durationS / 60, 1)} minutes. Every figure below, targets included, comes from this one run on this machine; the JSON report with every sample summary is in bench-results/.${quick}`;
}

function machineSection(report: BenchReport): string {
  const { machine, models } = report;
  const rows = [
    ['CPU', `${machine.cpuModel} (${machine.cpuFeatures.join(', ') || 'no AVX2'})`],
    ['Cores (nproc)', String(machine.cores)],
    ['Memory', `${fixed(machine.memoryGiB, 1)} GiB`],
    ['OS', machine.os],
    ['Node', machine.node],
    ['onnxruntime-node', `${machine.onnxruntime} (CPU execution provider)`],
    [
      'sharp / libvips',
      `${machine.sharp} / ${machine.libvips} (sharp concurrency ${machine.sharpConcurrency}, UV_THREADPOOL_SIZE ${machine.uvThreadpoolSize})`,
    ],
    ['hnswlib-node', machine.hnswlib],
    [
      'Model',
      `${models.fp32.id}: ViT-B/32-size test model with random weights; image tower ${megabytes(models.fp32.imageTowerBytes)} fp32, ${megabytes(models.int8.imageTowerBytes)} int8; text tower ${megabytes(models.fp32.textTowerBytes)} fp32, ${megabytes(models.int8.textTowerBytes)} int8`,
    ],
  ];
  const commands = report.commands.map((command) => `    ${command}`).join('\n');
  return `## Machine and commands

${table(['', ''], rows)}

${backgroundNote(report.backgroundLoad)}

${commands}`;
}

/** Figures taken while other processes used this much of the CPU are lower than the machine's best. */
const BUSY_SHARE = 0.05;

function backgroundNote(load: Record<string, number | null>): string {
  const known = Object.entries(load).filter(
    (entry): entry is [string, number] => entry[1] !== null,
  );
  if (known.length === 0)
    return 'The CPU time other processes used during the run is not known here (no /proc).';
  const parts = known.map(([name, share]) => `${name} ${fixed(100 * share, 0)}%`).join(', ');
  const busy = known.some(([, share]) => share > BUSY_SHARE);
  return `Share of the machine's CPU time used by other processes during the run: ${parts}.${busy ? ' **Other processes competed for the cores during part of the run; the figures of those sections are lower than this machine can do alone.**' : ''}`;
}

function targetsSection(targets: TargetCheck[]): string {
  const rows = targets.map((check) => [
    check.target,
    check.subject,
    check.measured,
    check.met ? 'met' : `**missed**: ${check.shortfall}`,
  ]);
  const misses = targets
    .filter((check) => !check.met)
    .map((check) => `- **${check.target}, ${check.subject}.** ${check.why}`);
  return `## Targets

${table(['Target', 'For', 'Measured', 'Result'], rows)}${misses.length > 0 ? `\n\nWhy the misses happen, from the same run:\n\n${misses.join('\n')}` : ''}`;
}

/** What the run says about the knobs, each line computed from its figures. */
function findingsSection(report: BenchReport): string {
  const { pipeline, indexing, queries, vectors, config } = report;
  const tuning = config.defaultTuning;
  const runs = indexing.runs.filter((run) => run.queriesWhileIndexing === null);
  const best = runs.reduce((a, b) => (b.photosPerSecond > a.photosPerSecond ? b : a));
  const defaultRun = (variant: ModelVariant) =>
    indexing.runs.find((run) => run.variant === variant && run.reference !== null)!;
  const sweep = (variant: ModelVariant) =>
    pipeline.modelSweep.filter(
      (run) => run.variant === variant && run.intraOpThreads === tuning.intraOpThreads,
    );
  const fastest = (variant: ModelVariant) =>
    sweep(variant).reduce((a, b) =>
      b.throughput.photosPerSecond > a.throughput.photosPerSecond ? b : a,
    );
  const at = (variant: ModelVariant, batchSize: number, threads: number) =>
    pipeline.modelSweep.find(
      (run) =>
        run.variant === variant && run.batchSize === batchSize && run.intraOpThreads === threads,
    );
  const decodeDefault = pipeline.decodeAlone.find(
    (run) => run.concurrency === tuning.decodeConcurrency,
  )!.throughput.photosPerSecond;
  const thumbnailShare = 1 - decodeDefault / pipeline.decodeWithoutThumbnails.photosPerSecond;
  const corpusQuery = (variant: ModelVariant) =>
    queries.find((query) => query.kind === 'corpus' && query.variant === variant)!;
  const largest = vectors.scales.at(-1)!;
  const lines = [
    `Fastest end-to-end tuning measured: ${best.label} (${describeTuning(best.tuning)}, ${best.variant}) at ${rate(best.photosPerSecond)}; the fp32 default runs at ${rate(defaultRun('fp32').photosPerSecond)}.`,
    ...(['fp32', 'int8'] as const).map((variant) => {
      const top = fastest(variant);
      const single = at(variant, 1, tuning.intraOpThreads);
      const oneThread = config.modelSweep.threads
        .filter((threads) => threads !== tuning.intraOpThreads)
        .map((threads) => at(variant, tuning.batchSize, threads))
        .filter((run) => run !== undefined)
        .map(
          (run) =>
            `; ${run.intraOpThreads} intra-op thread(s) at batch ${run.batchSize}: ${rate(run.throughput.photosPerSecond)}`,
        )
        .join('');
      return `${variant} image tower: fastest at batch ${top.batchSize} (${rate(top.throughput.photosPerSecond)})${single ? `, batch 1 gives ${rate(single.throughput.photosPerSecond)}` : ''}${oneThread}.`;
    }),
    `Thumbnails take ${fixed(100 * thumbnailShare, 0)}% of decode + preprocess time (${rate(decodeDefault)} with them, ${rate(pipeline.decodeWithoutThumbnails.photosPerSecond)} without, concurrency ${tuning.decodeConcurrency}).`,
    `Shrink-on-load, batching and overlap together: end to end (fp32) is ${ratio(defaultRun('fp32').photosPerSecond / pipeline.naive.throughput.photosPerSecond)} the naive baseline.`,
    `int8 towers: image tower ${ratio(at('int8', tuning.batchSize, tuning.intraOpThreads)!.throughput.photosPerSecond / at('fp32', tuning.batchSize, tuning.intraOpThreads)!.throughput.photosPerSecond)} the fp32 rate, text tower p50 ${ms(corpusQuery('int8').textTowerMs.p50)} against ${ms(corpusQuery('fp32').textTowerMs.p50)}; vectors agree with fp32 at mean cosine ${fixed(pipeline.int8Agreement.image.meanCosine, 4)} (images) and ${fixed(pipeline.int8Agreement.text.meanCosine, 4)} (texts).`,
    ...indexing.runs
      .filter((run) => run.queriesWhileIndexing !== null)
      .map(
        (run) =>
          `Text queries while indexing (${run.variant}): p50 ${ms(run.queriesWhileIndexing!.p50)} against ${ms(corpusQuery(run.variant).warmQueryMs.p50)} idle; indexing meanwhile ${rate(run.photosPerSecond)} against ${rate(defaultRun(run.variant).photosPerSecond)} without queries.`,
      ),
    `Vector index at ${count(largest.vectors)}: recall@10 reaches 0.99 from ef ${largest.smallestEfForRecall ?? 'none of the sweep'}; building it from the catalog takes ${ms(largest.indexBuildMs)} (${ms(largest.indexBuildMs / (largest.vectors / 1000))} per thousand vectors); the catalog holds ${megabytes(largest.sizes.catalogBytes / largest.vectors)} per photo, of which the vector is ${megabytes(vectors.dimensions * 4)}.`,
  ];
  return `## Findings

${lines.map((line) => `- ${line}`).join('\n')}`;
}

function indexingSection(report: BenchReport): string {
  const { pipeline, indexing } = report;
  const share = (value: number | null) => (value === null ? 'n/a' : `${fixed(100 * value, 0)}%`);
  const defaultRun = (variant: ModelVariant) =>
    indexing.runs.find((run) => run.variant === variant && run.reference !== null)!;
  const runRows = indexing.runs.map((run) => [
    run.label,
    describeTuning(run.tuning),
    rate(run.photosPerSecond),
    ratio(run.photosPerSecond / defaultRun(run.variant).photosPerSecond),
    ms(run.result.warmUpMs),
    mib(run.result.rssWarmMiB),
    `${mib(run.result.rssIndexingMeanMiB)} / ${mib(run.result.peakRssMiB)}`,
    run.queriesWhileIndexing ? p50p95(run.queriesWhileIndexing) : '–',
    share(run.othersCpuShare),
  ]);
  const ratioRows = (['fp32', 'int8'] as const).map((variant) => {
    const run = defaultRun(variant);
    const { decode, model, othersCpuShare } = run.reference!;
    const ceiling = 1 / (1 / model.photosPerSecond + 1 / decode.photosPerSecond);
    return [
      variant,
      rate(decode.photosPerSecond),
      rate(model.photosPerSecond),
      rate(run.photosPerSecond),
      ratio(run.photosPerSecond / model.photosPerSecond),
      `${rate(ceiling)} (${ratio(ceiling / model.photosPerSecond)})`,
      `${share(othersCpuShare)} / ${share(run.othersCpuShare)}`,
    ];
  });
  const fp32Run = defaultRun('fp32');
  const { naive } = pipeline;
  const stageRows = [
    ...pipeline.decodeAlone.map((run) => [
      `Decode + preprocess alone, concurrency ${run.concurrency}`,
      count(run.throughput.photos),
      rate(run.throughput.photosPerSecond),
    ]),
    [
      `Decode + preprocess alone without thumbnails, concurrency ${report.config.defaultTuning.decodeConcurrency}`,
      count(pipeline.decodeWithoutThumbnails.photos),
      rate(pipeline.decodeWithoutThumbnails.photosPerSecond),
    ],
    [
      'Naive baseline: full-size decode, one photo at a time, fp32, batch 1',
      count(naive.throughput.photos),
      `${rate(naive.throughput.photosPerSecond)} (decode ${ms(naive.decodeMs / naive.throughput.photos)} and model ${ms(naive.modelMs / naive.throughput.photos)} per photo)`,
    ],
    ['End to end, fp32, default tuning', count(indexing.photos), rate(fp32Run.photosPerSecond)],
  ];
  const sizes = fp32Run.sizes;
  return `## Indexing

${count(indexing.photos)} photos (${indexing.photos / pipeline.photos} rounds of the ${count(pipeline.photos)}-photo corpus), each run in a fresh process on a fresh library. The end-to-end rate is Engine.indexFolder from call to return, with the sessions already open (opening them is the warm-up column): scan, read, hash, decode, thumbnails, embedding, catalog and index writes, the index save.

### End to end against the stages alone

Right before each default run, its stages are timed alone in the parent process on the same photos and cores: decode + preprocess at the run's decode concurrency, then the image tower on the ready tensors at its batch size and threads. Both stages alone keep every core busy, so however well they overlap a photo costs 1/model + 1/decode seconds of the machine: that is the ceiling.

${table(['Model', 'Decode + preprocess alone', 'Model alone', 'End to end', 'End to end / model alone', 'Ceiling (/ model alone)', 'CPU used by other processes (stages / run)'], ratioRows)}

### Every run

${table(['Run', 'Tuning', 'End to end', 'vs the default run', 'Warm-up', 'RSS before indexing', 'RSS while indexing (mean / peak)', 'Text query p50 / p95 meanwhile', 'CPU used by other processes'], runRows)}

Text queries alongside: asked one after another with ${indexing.queryPauseMs} ms pauses for as long as the index runs, in the same process as the indexing (as in the desktop's engine host), with the text tower opened before indexing starts.

### Stages and the naive baseline

${table(['Stage', 'Photos', 'Rate'], stageRows)}

End to end is ${ratio(fp32Run.photosPerSecond / naive.throughput.photosPerSecond)} the naive baseline (fp32). Library on disk after the fp32 run: catalog ${megabytes(sizes.catalogBytes)}, vector index ${megabytes(sizes.indexBytes)}, thumbnails ${megabytes(sizes.thumbnailsBytes)}.`;
}

function modelSection(report: BenchReport): string {
  const { pipeline } = report;
  const rows = pipeline.modelSweep.map((run) => [
    run.variant,
    String(run.batchSize),
    String(run.intraOpThreads),
    rate(run.throughput.photosPerSecond),
    ms(run.openMs),
  ]);
  const { image, text } = pipeline.int8Agreement;
  return `## Image tower: batching, threads, int8

${count(report.config.modelSweep.photos)} photos per row, on ready tensors of real photos.

${table(['Model', 'Batch', 'Intra-op threads', 'Rate', 'Session open'], rows)}

int8 against fp32 (cosine of the two vectors of the same input): images mean ${fixed(image.meanCosine, 4)}, worst ${fixed(image.minCosine, 4)} over ${image.pairs} photos; texts mean ${fixed(text.meanCosine, 4)}, worst ${fixed(text.minCosine, 4)} over ${text.pairs} queries.`;
}

function querySection(report: BenchReport): string {
  const startRows = report.queries.flatMap((query) =>
    query.startups.map((startup) => [
      query.label,
      RUNNER_NAMES[startup.runner],
      p50p95(startup.firstAnsweredMs),
      ms(startup.modulesLoadedMs.p50),
      ms(startup.openMs.p50),
      `${ms(startup.coldQueryMs.p50)} (${ms(startup.tokenizerLoadMs.p50)} + ${ms(startup.textSessionMs.p50)} + ${ms(startup.firstRunMs.p50)})`,
      `${mib(startup.rssOpenMiB)} / ${mib(startup.rssIdleMiB)}`,
    ]),
  );
  const warmRows = report.queries.map((query) => [
    query.label,
    p50p95(query.warmQueryMs),
    ms(query.tokenizeMs.p50),
    ms(query.textTowerMs.p50),
    ms(query.indexSearchMs.p50),
    p50p95(query.findSimilarMs),
    mib(query.peakRssMiB),
  ]);
  const { config } = report;
  return `## Queries and start-up

Start-up: ${config.coldStarts} fresh processes per row open the library and answer one text query each; the time runs from spawning the process to reading its answer. Modules loaded is the child's own clock at its first line of code (node, the loader, every import); Engine.open covers the catalog, the model folder and the vector index; the cold query loads the tokenizer and creates the text tower's session before running it. RSS open: after Engine.open, no session loaded; RSS idle: a second after the first answer, text tower loaded.

${table(['Library', 'Started as', 'Start → first answer p50 / p95', 'Modules loaded', 'Engine.open', 'Cold query (tokenizer + text session + run)', 'RSS open / idle'], startRows)}

Warm: the first process of each library then answers ${config.textQueries} text queries ${config.warmRounds} time(s) over and ${config.findSimilarQueries} find-similar queries. Text query = tokenizer → text tower → vector index → catalog rows (Engine.searchText, k = 10); its parts are timed separately on the same queries.

${table(['Library', 'Text query p50 / p95', 'Tokenizer p50', 'Tokenizer + text tower p50', 'Index search p50', 'Find similar p50 / p95', 'Peak RSS'], warmRows)}`;
}

function vectorSection(vectors: VectorReport): string {
  const scaleRows = vectors.scales.map((scale) => [
    count(scale.vectors),
    ms(scale.indexBuildMs),
    ms(scale.indexLoadMs),
    ms(scale.engineOpenMs),
    megabytes(scale.sizes.indexBytes),
    megabytes(scale.sizes.catalogBytes),
    p50p95(scale.exactSearchMs),
    p50p95(scale.findSimilarMs),
    fixed(scale.findSimilarRecallAt10, 4),
  ]);
  const efHeader = [
    'ef',
    ...vectors.scales.map((scale) => `${count(scale.vectors)}: recall@10, p50 / p95`),
  ];
  const efRows = vectors.scales[0]!.efSweep.map((point, i) => [
    String(point.ef),
    ...vectors.scales.map((scale) => {
      const at = scale.efSweep[i]!;
      return `${fixed(at.recallAt10, 4)}, ${p50p95(at.searchMs)}`;
    }),
  ]);
  const { generator } = vectors;
  return `## Find similar and the vector index

Synthetic ${vectors.dimensions}-dimensional unit vectors (test/bench/synthetic-vectors.ts): subjects of about ${generator.perCluster} photos, each varying along ${generator.clusterRank} directions of its own (spread ${generator.spread}) plus isotropic noise (${generator.noise}), seed ${generator.seed}. They are written into a real catalog, and the engine builds its HNSW index from it (VectorStore.open, as after a lost index). Recall@10 is against exact search over the same vectors, for ${count(vectors.queries)} query photos spread over the library, the query photo itself left out as find-similar does.

${table(['Vectors', 'Index build', 'Index load', 'Engine.open', 'Index file', 'Catalog file', 'Exact search p50 / p95', 'Engine.findSimilar p50 / p95', 'findSimilar recall@10'], scaleRows)}

The index alone (VectorIndex.search) by ef:

${table(efHeader, efRows)}`;
}

function methodSection(report: BenchReport): string {
  return `## How it is measured

- Photos: the shared corpus (\`../shared/corpus/get-photos.sh\`), copied ${report.config.libraryRounds} time(s) into one folder of round subfolders; copies are indexed like any other photo. The stage timings use one round.
- Decode + preprocess alone: what the indexer does before the model, at its concurrency: read, sha256, header and EXIF, CLIP tensor and thumbnail (shrink-on-load), thumbnail written.
- Model alone: ClipModel.embedImages on the tensors from that stage, at the run's batch size and intra-op threads, one untimed batch first (onnxruntime sizes its buffers on the first run; the end-to-end figure pays for that run).
- Naive baseline: one photo at a time, decoded at full size (to an uncompressed TIFF, which the same preprocessing then reads without shrink-on-load), batch of 1.
- int8: the generator's int8 towers, opened as a model folder of their own (the engine has no quantisation switch yet).
- Memory: resident set size sampled every 100 ms while indexing and the kernel's peak (VmHWM), in the indexing process alone.
- Start-up: from spawning the child to reading its first answer; the child runs under tsx (transpiling on the fly from its cache), and the model files are in the page cache from earlier sections.
- Latencies are nearest-rank percentiles of wall time around each call.
- Other processes: the share of the machine's CPU time (from /proc/stat) that this run and its child processes did not use, per section and per indexing run.`;
}
