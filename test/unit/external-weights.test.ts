import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { ClipModel } from '../../src-main/engine/embedder/clip-model.js';
import { graphWithExternalWeights } from '../../src-main/engine/embedder/external-weights.js';
import { MODEL_MANIFEST_FILE, readModelManifest } from '../../src-main/engine/embedder/manifest.js';
import {
  prepareModelGraphs,
  readPreparedGraph,
} from '../../src-main/engine/embedder/prepared-graph.js';
import { openSession } from '../../src-main/engine/embedder/providers.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { onnx } from '../models/onnx-graph.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';

const scratch = await tempDir('external-weights');
after(() => rm(scratch, { recursive: true, force: true }));

const textIds = (): ort.Tensor => {
  const ids = new BigInt64Array(77);
  ids.set([49406n, 320n, 1929n, 539n, 320n, 2368n, 49407n]);
  return new ort.Tensor('int64', ids, [1, 77]);
};

async function embedding(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>) {
  const outputs = await session.run(feeds);
  return outputs[session.outputNames[0]!]!.data as Float32Array;
}

for (const [tower, feeds] of [
  ['text_model.onnx', () => ({ input_ids: textIds() })],
  [
    'vision_model.onnx',
    () => ({
      pixel_values: new ort.Tensor(
        'float32',
        Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i)),
        [1, 3, 224, 224],
      ),
    }),
  ],
] as const) {
  test(`${tower}: the graph with external weights computes what the file computes`, async () => {
    const file = path.join(await tinyModelDir(), tower);
    const graph = await graphWithExternalWeights(file);
    assert.ok(graph !== null, 'the weights were moved out of the graph');
    const model = onnx.ModelProto.decode(graph);
    const external = model.graph!.initializer!.filter(
      (tensor) => tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL,
    );
    assert.ok(external.length > 0);
    for (const tensor of external) {
      assert.equal(tensor.rawData?.length ?? 0, 0, `${tensor.name} keeps no bytes of its own`);
      const location = tensor.externalData!.find((entry) => entry.key === 'location');
      assert.equal(location?.value, tower, 'weights are read from the model file itself');
    }
    assert.ok(graph.length < (await readFile(file)).length / 10, 'the graph is a small part');

    const fromFile = await openSession({ file }, ['cpu'], silentLogger);
    const fromGraph = await openSession({ file, graph }, ['cpu'], silentLogger);
    try {
      assert.deepEqual(
        await embedding(fromGraph.session, feeds()),
        await embedding(fromFile.session, feeds()),
      );
    } finally {
      await Promise.all([fromFile.session.release(), fromGraph.session.release()]);
    }
  });
}

test('a model without large embedded weights has nothing to move', async () => {
  const file = path.join(scratch, 'external.onnx');
  const original = onnx.ModelProto.decode(
    await readFile(path.join(await tinyModelDir(), 'vision_model.onnx')),
  );
  // Already external: what graphWithExternalWeights itself produces.
  await copyFile(path.join(await tinyModelDir(), 'vision_model.onnx'), file);
  const graph = await graphWithExternalWeights(file);
  await writeFile(file, graph!);
  assert.equal(await graphWithExternalWeights(file), null);

  const small = path.join(scratch, 'small.onnx');
  original.graph!.initializer = original.graph!.initializer!.filter(
    (tensor) => (tensor.rawData?.length ?? 0) < 1024,
  );
  await writeFile(small, onnx.ModelProto.encode(original).finish());
  assert.equal(await graphWithExternalWeights(small), null);
});

test('a truncated model file is reported, not read past its end', async () => {
  const bytes = await readFile(path.join(await tinyModelDir(), 'text_model.onnx'));
  const truncated = path.join(scratch, 'truncated.onnx');
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(graphWithExternalWeights(truncated), /runs past its message|ends at byte/);
  await assert.rejects(graphWithExternalWeights(path.join(scratch, 'missing.onnx')), /ENOENT/);
});

test('a model folder of links to the files opens, with its weights read where the links lead', async () => {
  const modelDir = await tinyModelDir();
  const linked = path.join(scratch, 'linked-model');
  await mkdir(linked);
  for (const name of await readdir(modelDir)) {
    await symlink(path.join(modelDir, name), path.join(linked, name));
  }
  const open = (dir: string) =>
    new ClipModel(dir, readModelManifest(path.join(dir, MODEL_MANIFEST_FILE)), {
      providers: ['cpu'],
      logger: silentLogger,
    });
  const [viaLinks, direct] = [open(linked), open(modelDir)];
  try {
    assert.deepEqual(await viaLinks.embedTexts(['a photo']), await direct.embedTexts(['a photo']));
  } finally {
    await Promise.all([viaLinks.close(), direct.close()]);
  }
});

test('the graph is prepared once beside the model, and a replaced model file is not read through it', async () => {
  const dir = path.join(scratch, 'prepared');
  await mkdir(dir);
  const modelDir = await tinyModelDir();
  for (const name of await readdir(modelDir)) {
    if (!name.endsWith('.graph')) await copyFile(path.join(modelDir, name), path.join(dir, name));
  }
  const manifest = readModelManifest(path.join(dir, MODEL_MANIFEST_FILE));
  const textFile = path.join(dir, manifest.text!.file);
  assert.equal(await readPreparedGraph(textFile), null, 'nothing prepared yet');

  await prepareModelGraphs(dir, manifest, silentLogger);
  const prepared = await readPreparedGraph(textFile);
  assert.ok(prepared !== null);
  assert.deepEqual(prepared, await graphWithExternalWeights(textFile));
  const graphs = (await readdir(dir)).filter((name) => name.endsWith('.graph'));
  assert.equal(graphs.length, 2, 'one per tower');

  // Another file under the same name (a newer download): its offsets differ, so the old
  // graph is not used, and preparing again replaces it.
  const bytes = await readFile(textFile);
  await writeFile(textFile, Buffer.concat([bytes, Buffer.alloc(16)]));
  assert.equal(await readPreparedGraph(textFile), null);
  await prepareModelGraphs(dir, manifest, silentLogger);
  assert.ok((await readPreparedGraph(textFile)) !== null);
  assert.equal((await readdir(dir)).filter((name) => name.endsWith('.graph')).length, 2);
});
