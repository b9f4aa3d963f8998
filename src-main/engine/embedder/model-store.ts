import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModelDownloadProgress, ModelProblem } from '../../contract/api.js';
import { describeModelProblem, errorMessage } from '../../contract/format.js';
import { UserError } from '../../contract/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { sha256OfFile } from '../util/sha256.js';
import { downloadFile, fileSize } from './download.js';
import {
  MODEL_MANIFEST_FILE,
  ModelManifestError,
  readModelManifest,
  type ModelFile,
  type ModelManifest,
} from './manifest.js';

/**
 * A model folder holds the files of one manifest plus that manifest as `ferret-model.json`.
 * The manifest is written last, after every file is verified, so a folder that has it is
 * complete; a folder without it is a download in progress (or nothing at all).
 */

export interface FoundModel {
  manifest: ModelManifest;
  dir: string;
}

export interface ModelFileStatus {
  path: string;
  /** `wrong-size` only when the manifest states a size; checksums are left to verifyModelFolder. */
  status: 'present' | 'missing' | 'wrong-size';
  bytes: number | null;
  expectedBytes: number | null;
}

export interface ModelFileCheck {
  path: string;
  status: 'ok' | 'mismatch' | 'missing';
  /** The checksum of what is on disk; null when the file is missing. */
  sha256: string | null;
  expectedSha256: string;
}

export interface FetchModelOptions {
  manifest: ModelManifest;
  dir: string;
  onProgress?: (progress: ModelDownloadProgress) => void;
  signal?: AbortSignal;
}

/** Cheap check (sizes only) of which of a manifest's files are in `dir`. */
export async function modelFolderStatus(
  dir: string,
  manifest: ModelManifest,
): Promise<ModelFileStatus[]> {
  return Promise.all(
    manifest.files.map(async (file): Promise<ModelFileStatus> => {
      const bytes = await fileSize(path.join(dir, file.path));
      const expectedBytes = file.bytes ?? null;
      const status =
        bytes === null
          ? 'missing'
          : expectedBytes !== null && bytes !== expectedBytes
            ? 'wrong-size'
            : 'present';
      return { path: file.path, status, bytes, expectedBytes };
    }),
  );
}

/** Full check: hashes every file that is there (slow for real models: hundreds of MB). */
export async function verifyModelFolder(
  dir: string,
  manifest: ModelManifest,
): Promise<ModelFileCheck[]> {
  const checks: ModelFileCheck[] = [];
  // One file at a time: hashing is disk-bound, so parallel reads would only compete.
  for (const file of manifest.files) checks.push(await checkModelFile(dir, file));
  return checks;
}

/**
 * Downloads whatever of the manifest is missing or damaged in `dir` (resuming interrupted
 * transfers), then marks the folder complete by writing the manifest into it.
 */
export async function fetchModel(options: FetchModelOptions): Promise<FoundModel> {
  const { manifest, dir, onProgress, signal } = options;
  await fs.mkdir(dir, { recursive: true });

  const report = progressReporter(onProgress);
  const pending: ModelFile[] = [];
  for (const file of manifest.files) {
    // Only a file already on disk is checked (hashing takes a while for hundreds of MB); a
    // missing one is simply downloaded, and its progress starts with that.
    const onDisk = await fileSize(path.join(dir, file.path));
    if (onDisk === null) {
      pending.push(file);
      continue;
    }
    report(file, { state: 'verifying', receivedBytes: onDisk });
    const check = await checkModelFile(dir, file);
    if (check.status === 'ok') await reportDone(report, file, dir);
    else pending.push(file);
  }
  const withoutUrl = pending.filter((file) => file.url === undefined).map((file) => file.path);
  if (withoutUrl.length > 0) {
    throw new UserError(
      `${manifest.name}: no download address for ${withoutUrl.join(', ')}; put the file(s) into ${dir} yourself`,
    );
  }

  if (pending.length > 0) {
    // The folder is about to be incomplete: it must not claim otherwise meanwhile.
    await fs.rm(path.join(dir, MODEL_MANIFEST_FILE), { force: true });
  }
  for (const file of pending) {
    try {
      await downloadFile({
        url: file.url!,
        dest: path.join(dir, file.path),
        sha256: file.sha256,
        bytes: file.bytes,
        signal,
        onProgress: (progress) => report(file, { state: 'downloading', ...progress }),
      });
    } catch (error) {
      report(file, {
        state: 'failed',
        error: errorMessage(error),
      });
      throw error;
    }
    await reportDone(report, file, dir);
  }

  await writeFileAtomic(
    path.join(dir, MODEL_MANIFEST_FILE),
    `${JSON.stringify(manifest, null, 2)}\n`,
    { durable: true },
  );
  return { manifest, dir };
}

/** The model in `dir`, or what is wrong with the folder (each door words it, with its remedy). */
export async function findModelFolder(
  dir: string,
): Promise<FoundModel | { problem: ModelProblem }> {
  const manifestFile = path.join(dir, MODEL_MANIFEST_FILE);
  if ((await fileSize(manifestFile)) === null) {
    return { problem: { code: 'not-installed', dir } };
  }
  let manifest: ModelManifest;
  try {
    manifest = readModelManifest(manifestFile);
  } catch (error) {
    const detail =
      error instanceof ModelManifestError ? error.message : `${manifestFile}: ${String(error)}`;
    return { problem: { code: 'unreadable', dir, detail } };
  }
  const files = (await modelFolderStatus(dir, manifest)).flatMap((file) =>
    file.status === 'present' ? [] : [{ path: file.path, status: file.status }],
  );
  if (files.length > 0) return { problem: { code: 'incomplete', dir, files } };
  return { manifest, dir };
}

/** Search or a model folder was asked for while no usable model is there. */
export class ModelUnavailableError extends UserError {
  constructor(readonly problem: ModelProblem) {
    super(describeModelProblem(problem));
  }
}

async function checkModelFile(dir: string, file: ModelFile): Promise<ModelFileCheck> {
  const location = path.join(dir, file.path);
  const expectedSha256 = file.sha256;
  if ((await fileSize(location)) === null) {
    return { path: file.path, status: 'missing', sha256: null, expectedSha256 };
  }
  const { sha256 } = await sha256OfFile(location);
  const status = sha256 === expectedSha256 ? 'ok' : 'mismatch';
  return { path: file.path, status, sha256, expectedSha256 };
}

type ProgressReporter = (
  file: ModelFile,
  update: Pick<ModelDownloadProgress, 'state'> & Partial<ModelDownloadProgress>,
) => void;

function progressReporter(onProgress: FetchModelOptions['onProgress']): ProgressReporter {
  return (file, update) =>
    onProgress?.({
      file: file.path,
      receivedBytes: 0,
      totalBytes: file.bytes ?? null,
      error: null,
      ...update,
    });
}

async function reportDone(report: ProgressReporter, file: ModelFile, dir: string): Promise<void> {
  const bytes = await fileSize(path.join(dir, file.path));
  report(file, { state: 'done', receivedBytes: bytes ?? 0, totalBytes: bytes });
}
