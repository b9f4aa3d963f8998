import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../contract/api.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../../contract/format.js';

/** Accelerated providers first; the CPU always works and always comes last. */
export function defaultProviderOrder(
  platform: NodeJS.Platform = process.platform,
): ExecutionProviderName[] {
  switch (platform) {
    case 'win32':
      return ['cuda', 'dml', 'cpu'];
    case 'darwin':
      return ['coreml', 'cpu'];
    default:
      return ['cuda', 'cpu'];
  }
}

/**
 * CUDA and TensorRT live in separate provider libraries that onnxruntime-node downloads at
 * install time (ONNXRUNTIME_NODE_INSTALL=cuda12). Checking for them first gives a clear reason
 * instead of onnxruntime's load error on every session.
 */
const PROVIDER_LIBRARIES: Partial<Record<ExecutionProviderName, string>> = {
  cuda: 'onnxruntime_providers_cuda',
};

function missingProviderLibrary(provider: ExecutionProviderName): string | null {
  const library = PROVIDER_LIBRARIES[provider];
  if (library === undefined) return null;
  const bindingDir = path.join(
    path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  const file = process.platform === 'win32' ? `${library}.dll` : `lib${library}.so`;
  return existsSync(path.join(bindingDir, file))
    ? null
    : `${file} is not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12)`;
}

export interface SessionTuning {
  /** Threads inside one operator; defaults to the number of cores. */
  intraOpThreads?: number;
}

/** A model file, or its graph read from it (see graphWithExternalWeights). */
export interface ModelSource {
  file: string;
  graph?: Uint8Array;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: ExecutionProviderName;
}

/**
 * Opens a session on the first provider of `order` that works. A provider that is missing
 * from this build, or fails to initialise (no driver, no device), is skipped with the reason
 * logged, so the user can see why the CPU was chosen.
 */
export async function openSession(
  model: ModelSource,
  order: readonly ExecutionProviderName[],
  logger: Logger,
  tuning: SessionTuning = {},
): Promise<OpenedSession> {
  const available = new Map(ort.listSupportedBackends().map((backend) => [backend.name, backend]));
  const candidates = order.includes('cpu') ? order : [...order, 'cpu' as const];
  const failures: string[] = [];
  for (const provider of candidates) {
    if (!available.has(provider)) {
      failures.push(`${provider}: not in this onnxruntime build`);
      continue;
    }
    const missingLibrary = missingProviderLibrary(provider);
    if (missingLibrary !== null) {
      failures.push(`${provider}: ${missingLibrary}`);
      continue;
    }
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: tuning.intraOpThreads ?? os.availableParallelism(),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        logSeverityLevel: 3,
      };
      const session =
        model.graph === undefined
          ? await ort.InferenceSession.create(model.file, options)
          : await ort.InferenceSession.create(model.graph, {
              ...options,
              // Where the graph's external weights are, since it does not come from a file.
              extra: {
                session: { model_external_initializers_file_folder_path: path.dirname(model.file) },
              },
            });
      if (failures.length > 0) {
        logger.info(`using the ${provider} execution provider (skipped ${failures.join('; ')})`);
      }
      return { session, provider };
    } catch (error) {
      const reason = errorMessage(error).split('\n')[0];
      failures.push(`${provider}: ${reason}`);
      logger.warn(`execution provider ${provider} failed, trying the next: ${reason}`);
    }
  }
  throw new Error(`no execution provider could run ${model.file}: ${failures.join('; ')}`);
}

/** Which onnxruntime this is and the execution providers compiled into it (`ferret doctor`). */
export function runtimeInfo(): {
  versions: Record<string, string>;
  providers: { name: string; bundled: boolean }[];
} {
  return {
    versions: Object.fromEntries(
      Object.entries(ort.env.versions).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    ),
    providers: ort.listSupportedBackends(),
  };
}
