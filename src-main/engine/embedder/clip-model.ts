import { realpath } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../contract/api.js';
import type { Logger } from '../util/logger.js';
import { modelKey, type ModelManifest } from './manifest.js';
import { readPreparedGraph } from './prepared-graph.js';
import { openSession, type OpenedSession, type SessionTuning } from './providers.js';
import { readSafetensor } from './safetensors.js';
import { applyDense, meanPool, type DenseLayer } from './sentence-pooling.js';
import { TextTokenizer } from './tokenizer.js';
import { unitVector } from '../util/vectors.js';

export interface ClipModelOptions {
  providers: readonly ExecutionProviderName[];
  logger: Logger;
  tuning?: SessionTuning;
}

/**
 * The two towers of a CLIP-family model on onnxruntime. Each tower's session is opened when
 * first needed: a search-only start never pays for the image tower, and indexing never pays
 * for the text tower.
 */
export class ClipModel {
  readonly key: string;
  private imageSession: Promise<OpenedSession> | undefined;
  private textSession: Promise<OpenedSession> | undefined;
  private tokenizer: TextTokenizer | undefined;
  private dense: Promise<DenseLayer> | undefined;
  private openedProvider: ExecutionProviderName | null = null;

  constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    private readonly options: ClipModelOptions,
  ) {
    this.key = modelKey(manifest);
  }

  get supportsText(): boolean {
    return this.manifest.text !== undefined;
  }

  /** The provider the first opened tower runs on; null before any tower is opened. */
  get provider(): ExecutionProviderName | null {
    return this.openedProvider;
  }

  get imageSize(): number {
    return this.manifest.image.size;
  }

  async embedImages(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    if (tensors.length === 0) return [];
    const { image } = this.manifest;
    const { session } = await this.openImage();
    const pixels = new Float32Array(tensors.length * 3 * image.size * image.size);
    tensors.forEach((tensor, i) => pixels.set(tensor, i * tensor.length));
    const input = new ort.Tensor('float32', pixels, [tensors.length, 3, image.size, image.size]);
    const outputs = await session.run({ [image.input]: input }, [image.output]);
    return this.splitRows(outputs[image.output], tensors.length);
  }

  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    const spec = this.manifest.text;
    if (spec === undefined) {
      throw new Error(
        `${this.manifest.name} has no text encoder: it can find similar photos but not search by text`,
      );
    }
    if (texts.length === 0) return [];
    const { session } = await this.openText();
    const batch = this.textTokenizer().encodeBatch(texts, this.fixedTextLength(session, spec));
    const shape = [texts.length, batch.length];
    const feeds: Record<string, ort.Tensor> = {
      [spec.input]: new ort.Tensor('int64', batch.ids, shape),
    };
    if (spec.attentionMask !== undefined) {
      feeds[spec.attentionMask] = new ort.Tensor('int64', batch.attentionMask, shape);
    }
    const outputs = await session.run(feeds, [spec.output]);
    if (spec.pooling === undefined) return this.splitRows(outputs[spec.output], texts.length);
    const hidden = this.float32Output(outputs[spec.output]);
    const pooled = meanPool(hidden, batch.attentionMask, texts.length, batch.length);
    const dense = spec.projection === undefined ? undefined : await this.projection();
    return pooled.map((vector) =>
      this.unitRow(dense === undefined ? vector : applyDense(dense, vector)),
    );
  }

  /**
   * The token count the text tower's graph fixes, or undefined when it takes any (a symbolic
   * dimension, as the pinned exports have): texts are then padded only to the batch's longest,
   * which the result cannot tell from the context (CLIP reads the end token through a causal
   * mask, mean pooling skips masked padding), and a short query costs a fraction of 77 tokens.
   */
  private fixedTextLength(
    session: ort.InferenceSession,
    spec: NonNullable<ModelManifest['text']>,
  ): number | undefined {
    const input = session.inputMetadata.find((value) => value.name === spec.input);
    const length = input?.isTensor ? input.shape[1] : undefined;
    if (typeof length !== 'number') return undefined;
    if (length !== spec.contextLength) {
      throw new Error(
        `${this.manifest.name}: the text tower takes exactly ${length} tokens, the manifest's contextLength is ${spec.contextLength}`,
      );
    }
    return length;
  }

  /** The Dense layer after pooling, read once from its safetensors file. */
  private projection(): Promise<DenseLayer> {
    const spec = this.manifest.text?.projection;
    if (spec === undefined) throw new Error(`${this.manifest.name} has no projection`);
    this.dense ??= readSafetensor(path.join(this.dir, spec.file), spec.tensor).then(
      ({ shape, values }) => {
        if (shape.length !== 2 || shape[0] !== this.manifest.dimensions) {
          throw new Error(
            `${this.manifest.name}: the projection ${spec.tensor} is [${shape.join(', ')}], not [${this.manifest.dimensions}, width]`,
          );
        }
        return { weight: values, outputs: shape[0], inputs: shape[1]! };
      },
    );
    return this.dense;
  }

  textTokenizer(): TextTokenizer {
    const spec = this.manifest.text;
    if (spec === undefined) throw new Error(`${this.manifest.name} has no tokenizer`);
    this.tokenizer ??= TextTokenizer.fromFile(path.join(this.dir, spec.tokenizer), spec);
    return this.tokenizer;
  }

  /**
   * Opens the towers ahead of the first request, so the first query answers at once: the text
   * tower with its tokenizer (building @huggingface/tokenizers' BPE takes about 0.3 s).
   */
  async warmUp(towers: { image?: boolean; text?: boolean }): Promise<void> {
    const text = towers.text === true && this.supportsText;
    await Promise.all([
      towers.image ? this.openImage() : undefined,
      text ? this.openText() : undefined,
    ]);
    if (text) this.textTokenizer();
  }

  async close(): Promise<void> {
    const sessions = await Promise.allSettled([this.imageSession, this.textSession]);
    for (const settled of sessions) {
      if (settled.status === 'fulfilled' && settled.value) await settled.value.session.release();
    }
    this.imageSession = undefined;
    this.textSession = undefined;
  }

  private openImage(): Promise<OpenedSession> {
    this.imageSession ??= this.open(this.manifest.image.file);
    return this.imageSession;
  }

  private openText(): Promise<OpenedSession> {
    const spec = this.manifest.text;
    if (spec === undefined) throw new Error(`${this.manifest.name} has no text encoder`);
    this.textSession ??= this.open(spec.file);
    return this.textSession;
  }

  private async open(name: string): Promise<OpenedSession> {
    // External weights must lie in the model's own folder, which for a linked file is where
    // the link leads (onnxruntime checks the resolved path). Without a prepared graph
    // (prepared-graph.ts) onnxruntime reads the file itself.
    const file = await realpath(path.join(this.dir, name)).catch(() => path.join(this.dir, name));
    const graph = await readPreparedGraph(file);
    const opened = await openSession(
      { file, graph: graph ?? undefined },
      this.options.providers,
      this.options.logger,
      this.options.tuning,
    );
    this.openedProvider ??= opened.provider;
    return opened;
  }

  private float32Output(output: ort.Tensor | undefined): Float32Array {
    if (output === undefined || output.type !== 'float32') {
      throw new Error(`${this.manifest.name}: the model did not return float32 embeddings`);
    }
    return output.data as Float32Array;
  }

  private splitRows(output: ort.Tensor | undefined, rows: number): Float32Array[] {
    const data = this.float32Output(output);
    const width = data.length / rows;
    return Array.from({ length: rows }, (_, row) =>
      this.unitRow(data.subarray(row * width, (row + 1) * width)),
    );
  }

  private unitRow(vector: ArrayLike<number>): Float32Array {
    if (vector.length !== this.manifest.dimensions) {
      throw new Error(
        `${this.manifest.name}: the model returned ${vector.length}-dimensional vectors, the manifest says ${this.manifest.dimensions}`,
      );
    }
    return unitVector(vector, `${this.manifest.id}'s output`);
  }
}
