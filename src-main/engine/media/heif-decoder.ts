import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { PhotoDecodeError, firstLine, tooManyPixels } from './errors.js';
import { startWorker, workerScript } from '../util/worker-script.js';

/** The worker's answer to one file (see heif-worker.ts). */
export type HeifReply =
  | {
      ok: true;
      width: number;
      height: number;
      channels: 3 | 4;
      /** Interleaved 8-bit RGB(A), as the photo is shown. */
      pixels: Uint8Array;
      /** The decoder's WebAssembly memory after this file. */
      heapBytes: number;
    }
  | { ok: false; message: string; heapBytes: number };

export type DecodedHeif = Extract<HeifReply, { ok: true }>;

export interface HeifDecoderOptions {
  /** Files decoded at once, each on its own thread. */
  threads?: number;
  /**
   * A WebAssembly memory only ever grows: a decoder whose memory passed this after a file
   * (one very large photo) is replaced, so that memory is given back.
   */
  maxHeapBytes?: number;
  /** A decoder left idle this long is stopped, giving its memory back. */
  idleMs?: number;
}

/** One decoder thread and the timer that stops it when idle. */
interface DecoderThread {
  worker: Worker;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * Decodes HEIC files on worker threads running libheif compiled to WebAssembly. A decode is
 * synchronous inside its thread, so the threads run up to `threads` files in parallel and the
 * calling thread stays free. Threads start on demand, are replaced when their memory grew past
 * the limit or they failed, and stop when idle.
 */
export class HeifDecoder {
  private readonly threads: number;
  private readonly maxHeapBytes: number;
  private readonly idleMs: number;
  private readonly idle: DecoderThread[] = [];
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private started = 0;

  constructor(options: HeifDecoderOptions = {}) {
    this.threads = options.threads ?? Math.min(4, os.availableParallelism());
    this.maxHeapBytes = options.maxHeapBytes ?? 256 * 1024 * 1024;
    this.idleMs = options.idleMs ?? 10_000;
  }

  /** How many decoder threads were started so far (each replacement is one more). */
  get threadsStarted(): number {
    return this.started;
  }

  /** The primary image, as shown; throws PhotoDecodeError when it cannot be decoded. */
  async decode(bytes: Uint8Array): Promise<DecodedHeif> {
    const thread = await this.acquire();
    let reply: HeifReply;
    try {
      reply = await request(thread.worker, bytes);
    } catch (error) {
      this.retire(thread);
      throw new PhotoDecodeError('corrupt', `HEIC decoder failed: ${firstLine(String(error))}`, {
        cause: error,
      });
    }
    if (reply.heapBytes > this.maxHeapBytes) this.retire(thread);
    else this.release(thread);
    if (!reply.ok) {
      // libvips reads a HEIC's size from its coded picture and clean aperture, libheif from
      // its container (ispe), and refuses a container past a gigapixel: a photo too large.
      const declared = /security limit exceeded: image size (\d+)x(\d+)/i.exec(reply.message);
      const tooLarge = declared && tooManyPixels(Number(declared[1]), Number(declared[2]));
      if (tooLarge) throw tooLarge;
      throw new PhotoDecodeError(
        'corrupt',
        `corrupt or truncated HEIC: ${firstLine(reply.message)}`,
      );
    }
    return reply;
  }

  /** Stops every idle thread (busy ones stop when their file is done and nothing waits). */
  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((thread) => this.stop(thread)));
  }

  private async acquire(): Promise<DecoderThread> {
    while (this.running >= this.threads) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    const thread = this.idle.pop() ?? this.start();
    if (thread.idleTimer !== null) clearTimeout(thread.idleTimer);
    thread.idleTimer = null;
    // A thread at work keeps the process alive until its answer is in; an idle one does not.
    thread.worker.ref();
    return thread;
  }

  private release(thread: DecoderThread): void {
    thread.worker.unref();
    thread.idleTimer = setTimeout(() => {
      const at = this.idle.indexOf(thread);
      if (at !== -1) void this.stop(this.idle.splice(at, 1)[0]!);
    }, this.idleMs).unref();
    this.idle.push(thread);
    this.finished();
  }

  private retire(thread: DecoderThread): void {
    void this.stop(thread);
    this.finished();
  }

  private finished(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  private start(): DecoderThread {
    const script = workerScript(import.meta.url, 'heif-worker');
    if (script === null) throw new Error('this build of Ferret has no HEIC decoder (heif-worker)');
    this.started++;
    return { worker: startWorker(script, null), idleTimer: null };
  }

  private async stop(thread: DecoderThread): Promise<void> {
    if (thread.idleTimer !== null) clearTimeout(thread.idleTimer);
    await thread.worker.terminate();
  }
}

/** Sends one file to a thread that is working on nothing else, and waits for its answer. */
function request(worker: Worker, bytes: Uint8Array): Promise<HeifReply> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: HeifReply) => {
      settle();
      resolve(reply);
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    const onExit = (code: number) => {
      settle();
      reject(new Error(`the decoder thread stopped (exit code ${code})`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(bytes);
  });
}

let shared: HeifDecoder | undefined;

/** The process's HEIC decoder: one set of threads for indexing and queries alike. */
export function heifDecoder(): HeifDecoder {
  shared ??= new HeifDecoder();
  return shared;
}
