import { parentPort, workerData } from 'node:worker_threads';
import { ClipModel } from '../embedder/clip-model.js';
import type { EmbedWorkerData, EmbedWorkerReply, EmbedWorkerRequest } from './worker-embedder.js';
import { errorMessage } from '../../contract/format.js';

/**
 * The image tower in a worker thread: inference keeps a core busy for whole batches, and here
 * it never holds up the thread that answers search queries.
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
  model.embedImages(request.tensors).then(
    (vectors) =>
      reply(
        { type: 'vectors', id: request.id, vectors },
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
