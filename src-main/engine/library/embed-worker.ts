import { parentPort, workerData } from 'node:worker_threads';
import { ClipModel } from '../embedder/clip-model.js';
import type { EmbedWorkerData, EmbedWorkerReply, EmbedWorkerRequest } from './worker-embedder.js';
import { errorMessage } from '../../contract/format.js';

/**
 * The model's towers in a worker thread, so the thread that answers queries is never held up:
 * the image tower's inference keeps a core busy for whole batches, and onnxruntime builds a
 * session (about half a second for a text tower) and the tokenizer is built (0.3 s) without
 * giving the thread back.
 */
const port = parentPort!;
const { dir, manifest, providers, tuning } = workerData as EmbedWorkerData;
const reply = (message: EmbedWorkerReply, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);
const model = new ClipModel(dir, manifest, {
  providers,
  tuning,
  logger: {
    info: (message) => reply({ type: 'log', level: 'info', message }),
    warn: (message) => reply({ type: 'log', level: 'warn', message }),
  },
});

port.on('message', (request: EmbedWorkerRequest) => {
  if (request.type === 'close') {
    void model.close().finally(() => port.close());
    return;
  }
  const answered =
    request.type === 'images'
      ? model.embedImages(request.tensors)
      : request.type === 'texts'
        ? model.embedTexts(request.texts)
        : model.warmUp(request.towers).then(() => []);
  answered.then(
    (vectors) =>
      reply(
        { type: 'vectors', id: request.id, vectors, provider: model.provider },
        vectors.map((vector) => vector.buffer as ArrayBuffer),
      ),
    (error: unknown) =>
      reply({
        type: 'error',
        id: request.id,
        message: errorMessage(error),
      }),
  );
});
