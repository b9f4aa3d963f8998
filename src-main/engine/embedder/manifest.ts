import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Relevance } from '../../contract/api.js';
import { modelIdSchema } from '../../contract/schemas.js';
import { findAbove } from '../util/find-above.js';

/**
 * A model is described by data, not code: which files it needs (with pinned download URLs and
 * checksums), the names of its graph inputs and outputs, and how images and text are prepared.
 * Adding another CLIP-family model, or an image-only encoder for find-similar, is a new manifest.
 */

/** The file that sits beside the ONNX files in every model folder. */
export const MODEL_MANIFEST_FILE = 'ferret-model.json';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');

export const modelFileSchema = z.object({
  /** File name inside the model folder. */
  path: z.string().regex(/^[\w.-]+$/, 'model file names are plain names inside the model folder'),
  /** Pinned download location (a fixed revision, never a moving branch). */
  url: z.url().optional(),
  sha256: sha256Schema,
  bytes: z.number().int().positive().optional(),
});

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

export const imageTowerSchema = z.object({
  file: z.string(),
  input: z.string(),
  output: z.string(),
  /** Square input side in pixels. */
  size: z.number().int().positive(),
  mean: rgbTriple,
  std: rgbTriple,
});

export const textTowerSchema = z.object({
  file: z.string(),
  input: z.string(),
  /** Present when the graph takes an attention mask beside the token ids. */
  attentionMask: z.string().optional(),
  output: z.string(),
  /** Tokenizer file (Hugging Face tokenizer.json) among the manifest's files. */
  tokenizer: z.string(),
  contextLength: z.number().int().positive(),
  padTokenId: z.number().int().nonnegative(),
  /**
   * How the graph's output becomes one vector per text. Absent: the graph outputs it (CLIP's
   * export). 'mean': the graph outputs every token's hidden state ([texts, context, width], a
   * sentence-transformers export), averaged over the tokens the attention mask keeps.
   */
  pooling: z.literal('mean').optional(),
  /**
   * A bias-free Dense layer applied after pooling that is not inside the ONNX file: a float32
   * matrix in a safetensors file among the manifest's files, stored [out, in] as PyTorch's
   * nn.Linear keeps it (out = the manifest's dimensions).
   */
  projection: z.object({ file: z.string(), tensor: z.string() }).optional(),
});

const cosine = z.number().min(-1).max(1);
/** Thresholds strictest first: the search starts at the first, and each "Show more" takes the next. */
const thresholdSteps = z
  .array(cosine)
  .min(1)
  .refine((steps) => steps.every((step, i) => i === 0 || step < steps[i - 1]!), {
    message: 'thresholds go from strictest to loosest (each lower than the one before)',
  });

/**
 * What counts as a match, per kind of query: cosine similarity in [-1, 1]. Text and image
 * scores of a CLIP model live on different scales (a good text match is near 0.3, a similar
 * photo near 0.8), and every model has its own, so the thresholds belong to the manifest.
 * README ("Relevance thresholds") says how the bundled ones were chosen.
 */
export const relevanceSchema = z.object({
  /** Text → photo; present exactly when the model has a text tower. */
  text: thresholdSteps.optional(),
  /** Photo → similar photos. */
  similar: thresholdSteps,
  /** Photo → the same picture again (resized, re-encoded, lightly cropped): the duplicate tier. */
  nearIdentical: cosine,
}) satisfies z.ZodType<Relevance>;

export const modelManifestSchema = z.object({
  id: modelIdSchema,
  name: z.string(),
  /** Revision of the upstream export the URLs are pinned to. */
  revision: z.string().optional(),
  /**
   * The model whose image tower this one shares: the same image file (same checksum) and
   * preprocessing, so the photos' vectors are that model's and switching between the two
   * embeds nothing. A second text tower for the same image space is a manifest like this.
   */
  pairedWith: modelIdSchema.optional(),
  dimensions: z.number().int().positive(),
  files: z.array(modelFileSchema).min(1),
  image: imageTowerSchema,
  /** Absent for image-only encoders: those serve find-similar but not text search. */
  text: textTowerSchema.optional(),
  relevance: relevanceSchema,
});

export type ModelFile = z.infer<typeof modelFileSchema>;
export type ModelManifest = z.infer<typeof modelManifestSchema>;

export class ModelManifestError extends Error {}

export function parseModelManifest(json: unknown, source: string): ModelManifest {
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ModelManifestError(
      `${source}: not a valid model manifest: ${z.prettifyError(parsed.error)}`,
    );
  }
  const manifest = parsed.data;
  const { relevance } = manifest;
  if ((relevance.text === undefined) !== (manifest.text === undefined)) {
    throw new ModelManifestError(
      `${source}: relevance.text is given exactly when the model has a text tower`,
    );
  }
  if (relevance.nearIdentical < relevance.similar[0]!) {
    throw new ModelManifestError(
      `${source}: relevance.nearIdentical must be at least the first relevance.similar threshold`,
    );
  }
  if (manifest.text?.pooling === 'mean' && manifest.text.attentionMask === undefined) {
    throw new ModelManifestError(`${source}: mean pooling needs the graph's attention mask input`);
  }
  const names = new Set(manifest.files.map((file) => file.path));
  const referenced = [
    manifest.image.file,
    manifest.text?.file,
    manifest.text?.tokenizer,
    manifest.text?.projection?.file,
  ];
  for (const name of referenced) {
    if (name !== undefined && !names.has(name)) {
      throw new ModelManifestError(`${source}: "${name}" is used but not listed in files`);
    }
  }
  return manifest;
}

export function readModelManifest(file: string): ModelManifest {
  return parseModelManifest(JSON.parse(readFileSync(file, 'utf8')), file);
}

/** What downloading the model's files costs, when every file states its size. */
export function downloadBytes(manifest: ModelManifest): number | null {
  let total = 0;
  for (const file of manifest.files) {
    if (file.bytes === undefined) return null;
    total += file.bytes;
  }
  return total;
}

/**
 * Identifies the vectors a model produces. Two models with the same id but different weights
 * (the generated test model and the real one) must never share an index, so the image tower's
 * checksum is part of the key.
 */
export function modelKey(manifest: ModelManifest): string {
  return `${manifest.pairedWith ?? manifest.id}@${imageFileOf(manifest)?.sha256.slice(0, 12) ?? 'unknown'}`;
}

function imageFileOf(manifest: ModelManifest): ModelFile | undefined {
  return manifest.files.find((file) => file.path === manifest.image.file);
}

/**
 * A manifest paired with another really shares its image tower: the same file by checksum and
 * the same preprocessing, or the vectors of one would be searched with the other's queries.
 */
export function checkPairing(manifest: ModelManifest, paired: ModelManifest | undefined): void {
  if (manifest.pairedWith === undefined) return;
  if (paired === undefined || paired.id !== manifest.pairedWith) {
    throw new ModelManifestError(
      `${manifest.id}: paired with unknown model ${manifest.pairedWith}`,
    );
  }
  const same =
    imageFileOf(manifest)?.sha256 === imageFileOf(paired)?.sha256 &&
    JSON.stringify({ ...manifest.image, file: '' }) ===
      JSON.stringify({ ...paired.image, file: '' }) &&
    manifest.dimensions === paired.dimensions;
  if (!same) {
    throw new ModelManifestError(
      `${manifest.id}: its image tower differs from ${paired.id}'s, so it cannot share its vectors`,
    );
  }
}

export const DEFAULT_MODEL_ID = 'clip-vit-b-32';

/**
 * Manifests shipped with the app, one per downloadable model: `models/` under the package
 * root, or where FERRET_MODELS_DIR says (the packaged app keeps them in its resources).
 */
const shippedManifest = findAbove(
  import.meta.dirname,
  path.join('models', `${DEFAULT_MODEL_ID}.json`),
);
export const BUNDLED_MODELS_DIR =
  process.env.FERRET_MODELS_DIR ??
  (shippedManifest === null ? 'models' : path.dirname(shippedManifest));

/**
 * Every manifest in `dir`, in order of id. Each is named after its id (`<id>.json`), so that a
 * bundled model can be found by its id as well as listed.
 */
export function readBundledManifests(dir: string = BUNDLED_MODELS_DIR): ModelManifest[] {
  const manifests = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const file = path.join(dir, name);
      const manifest = readModelManifest(file);
      if (name !== `${manifest.id}.json`) {
        throw new ModelManifestError(`${file}: a bundled manifest is named ${manifest.id}.json`);
      }
      return manifest;
    });
  for (const manifest of manifests) {
    if (manifest.pairedWith === undefined) continue;
    checkPairing(
      manifest,
      manifests.find((other) => other.id === manifest.pairedWith),
    );
  }
  return manifests.sort((a, b) => (a.id < b.id ? -1 : 1));
}
