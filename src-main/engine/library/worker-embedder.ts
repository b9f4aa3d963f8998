import type { Worker } from 'node:worker_threads';
import type { ExecutionProviderName } from '../../contract/api.js';
import { PendingRequests } from '../../contract/pending-requests.js';
import type { ModelManifest } from '../embedder/manifest.js';
import type { SessionTuning } from '../embedder/providers.js';
import type { Logger } from '../util/logger.js';
import { startWorker, workerScript } from '../util/worker-script.js';
import type { ImageEmbedder } from './photo-indexer.js';
import type { TextEmbedder } from '../search/photo-search.js';

export interface EmbedWorkerData {
  dir: string;
  manifest: ModelManifest;
  providers: ExecutionProviderName[];
  tuning?: SessionTuning;
}

export type EmbedWorkerRequest =
  | { type: 'images'; id: number; tensors: Float32Array[] }
  | { type: 'texts'; id: number; texts: string[] }
  | { type: 'warm-up'; id: number; towers: { image?: boolean; text?: boolean } }
  | { type: 'close' };

export type EmbedWorkerReply =
  /** With the provider the worker's towers run on (null before one is opened). */
  | { type: 'vectors'; id: number; vectors: Float32Array[]; provider: ExecutionProviderName | null }
  | { type: 'error'; id: number; message: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

/**
 * Runs the model's towers in a worker thread (see embed-worker.ts): indexing runs the image
 * tower in one, search the text tower in another. Requests are answered in order; a worker
 * that dies fails the requests in flight and is restarted on the next one.
 */
export class WorkerEmbedder implements ImageEmbedder, TextEmbedder {
  private worker: Worker | null = null;
  private openedProvider: ExecutionProviderName | null = null;
  private readonly requests = new PendingRequests<Float32Array[]>();

  private constructor(
    private readonly script: URL,
    private readonly data: EmbedWorkerData,
    private readonly logger: Logger,
  ) {}

  /** Null when this build has no worker script; the caller then embeds in-process. */
  static create(data: EmbedWorkerData, logger: Logger): WorkerEmbedder | null {
    const script = workerScript(import.meta.url, 'embed-worker');
    return script === null ? null : new WorkerEmbedder(script, data, logger);
  }

  /** The provider the worker's first opened tower runs on; null before one is opened. */
  get provider(): ExecutionProviderName | null {
    return this.openedProvider;
  }

  embedImages(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    if (tensors.length === 0) return Promise.resolve([]);
    return this.request((id) => ({ type: 'images', id, tensors: [...tensors] }));
  }

  embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    return this.request((id) => ({ type: 'texts', id, texts: [...texts] }));
  }

  async warmUp(towers: { image?: boolean; text?: boolean }): Promise<void> {
    await this.request((id) => ({ type: 'warm-up', id, towers }));
  }

  private request(message: (id: number) => EmbedWorkerRequest): Promise<Float32Array[]> {
    const worker = this.started();
    return this.requests.open((id) => worker.postMessage(message(id)));
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return;
    this.worker = null;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ type: 'close' } satisfies EmbedWorkerRequest);
    await exited;
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = startWorker(this.script, this.data);
    worker.on('message', (reply: EmbedWorkerReply) => this.receive(reply));
    worker.on('error', (error) => this.requests.failAll(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.requests.failAll(new Error(`the embedding worker stopped (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private receive(reply: EmbedWorkerReply): void {
    if (reply.type === 'log') {
      this.logger[reply.level](`embedding worker: ${reply.message}`);
      return;
    }
    if (reply.type === 'vectors') this.openedProvider ??= reply.provider;
    this.requests.settle(
      reply.id,
      reply.type === 'vectors'
        ? { ok: true, value: reply.vectors }
        : { ok: false, error: reply.message },
    );
  }
}
