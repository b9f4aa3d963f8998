import fs from 'node:fs';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { replaceFile, writeFileAtomic } from '../util/atomic-write.js';
import { sha256OfBytes, sha256OfFile } from '../util/sha256.js';

/**
 * An index on disk is two files: the HNSW graph as hnswlib writes it, and a sidecar JSON that
 * says what the graph holds and carries its checksum. hnswlib trusts the bytes it reads (a
 * damaged neighbour list can crash the process later), so a graph is only read when its
 * sidecar vouches for exactly these bytes.
 */

/** Bumped when what is written changes shape; an index in another format is rebuilt. */
export const INDEX_FORMAT_VERSION = 1;

/** The ids as the sidecar file holds them; an index saved by an earlier Ferret lists numbers. */
type SavedIds = string | number[];

export interface VectorIndexFiles {
  graph: string;
  sidecar: string;
}

export interface Sidecar {
  formatVersion: number;
  modelKey: string;
  dimensions: number;
  count: number;
  /**
   * The labels (photo ids) live in the graph; the rest of its elements are deleted. On disk
   * as base64 of little-endian uint32s (`SavedIds`): as a JSON list, a million ids cost the
   * thread over 100 ms to write and as much to read.
   */
  ids: Uint32Array;
  bytes: number;
  sha256: string;
}

/**
 * File names from a model key. Keys may hold any character (`clip-vit-b-32@0123abcd`), so
 * anything outside [a-z0-9._-] becomes '_' and a hash of the key keeps two keys that clean up
 * alike (or differ only in case, on case-insensitive disks) apart.
 */
export function vectorIndexFilesFor(dir: string, modelKey: string): VectorIndexFiles {
  const cleaned = modelKey.replace(/[^a-z0-9._-]/g, '_').slice(0, 100);
  const base =
    cleaned === modelKey ? cleaned : `${cleaned}-${sha256OfBytes(modelKey).slice(0, 12)}`;
  return {
    graph: path.join(dir, `${base}.hnsw`),
    sidecar: path.join(dir, `${base}.hnsw.json`),
  };
}

/** What the graph's header must say for a graph of these dimensions and links per node. */
export interface GraphShape {
  dimensions: number;
  /** hnswlib's M: links per node above the bottom layer (twice that at the bottom). */
  links: number;
}

/**
 * The sidecar, when it describes a graph for this model that is present and looks whole;
 * otherwise why the graph cannot be used, in words that follow "the index is". Cheap at any
 * size: the description, the file's size and the graph's header, never a read of the whole
 * file (`verifyVectorIndexFiles` does that, in the background).
 */
export function checkVectorIndexFiles(
  files: VectorIndexFiles,
  expected: { modelKey: string } & GraphShape,
): Sidecar | { problem: string } {
  if (!fs.existsSync(files.graph)) return { problem: 'missing' };
  let saved: Omit<Sidecar, 'ids'> & { ids: SavedIds };
  try {
    saved = JSON.parse(fs.readFileSync(files.sidecar, 'utf8')) as typeof saved;
  } catch (error) {
    return { problem: `missing its description (${(error as Error).message})` };
  }
  if (typeof saved !== 'object' || saved === null) {
    return { problem: 'missing its description (the sidecar holds no object)' };
  }
  const ids = readIds(saved.ids);
  if (ids === null) return { problem: 'damaged (its description lists no photos)' };
  const sidecar: Sidecar = { ...saved, ids };
  if (sidecar.formatVersion !== INDEX_FORMAT_VERSION) {
    return { problem: `in format ${sidecar.formatVersion}, not ${INDEX_FORMAT_VERSION}` };
  }
  if (sidecar.modelKey !== expected.modelKey) {
    return { problem: `for model ${sidecar.modelKey}` };
  }
  if (sidecar.dimensions !== expected.dimensions) {
    return { problem: `of ${sidecar.dimensions} dimensions, not ${expected.dimensions}` };
  }
  if (sidecar.ids.length !== sidecar.count) {
    return { problem: 'damaged (its description lists the wrong number of photos)' };
  }
  let header: Buffer;
  let bytes: number;
  try {
    bytes = fs.statSync(files.graph).size;
    header = readStart(files.graph, HEADER_BYTES);
  } catch (error) {
    return { problem: `unreadable (${(error as Error).message})` };
  }
  if (bytes !== sidecar.bytes) {
    return { problem: `damaged (${bytes} bytes where ${sidecar.bytes} were written)` };
  }
  const headerProblem = checkHeader(header, bytes, sidecar.count, expected);
  return headerProblem === null ? sidecar : { problem: `damaged (${headerProblem})` };
}

/**
 * Reads the whole graph and compares it with the checksum its sidecar carries: null when they
 * match, else what is wrong. Reads in chunks without blocking, for the background.
 */
export async function verifyVectorIndexFiles(
  files: VectorIndexFiles,
  sidecar: Sidecar,
): Promise<string | null> {
  let actual: { bytes: number; sha256: string };
  try {
    actual = await sha256OfFile(files.graph);
  } catch (error) {
    return `unreadable (${(error as Error).message})`;
  }
  if (actual.bytes !== sidecar.bytes || actual.sha256 !== sidecar.sha256) {
    return 'damaged or not the one its description was written for';
  }
  return null;
}

/** hnswlib's header: six size_t, an int, a uint32, three size_t, a double and a size_t. */
const HEADER_BYTES = 96;

/**
 * Whether hnswlib's header fits a graph of this shape holding at least `count` elements in a
 * file of `bytes` bytes: catches a truncated, swapped or overwritten file without reading it.
 */
function checkHeader(
  header: Buffer,
  bytes: number,
  count: number,
  shape: GraphShape,
): string | null {
  if (header.length < HEADER_BYTES) return 'shorter than its header';
  const size = (offset: number) => Number(header.readBigUInt64LE(offset));
  const [offsetLevel0, maxElements, elements, bytesPerElement, labelOffset, dataOffset] = [
    0, 8, 16, 24, 32, 40,
  ].map(size) as [number, number, number, number, number, number];
  const enterPoint = header.readUInt32LE(52);
  const [maxLinks, maxLinksBottom, links] = [56, 64, 72].map(size) as [number, number, number];
  const bottomLinkBytes = maxLinksBottom * 4 + 4;
  const expectedPerElement = bottomLinkBytes + shape.dimensions * 4 + 8;
  if (offsetLevel0 !== 0 || links !== shape.links || maxLinks !== shape.links) {
    return 'its header is not that of this kind of graph';
  }
  if (maxLinksBottom !== 2 * shape.links || dataOffset !== bottomLinkBytes) {
    return 'its header is not that of this kind of graph';
  }
  if (bytesPerElement !== expectedPerElement || labelOffset !== dataOffset + shape.dimensions * 4) {
    return 'its header gives another vector size';
  }
  if (elements < count || elements > maxElements || (elements > 0 && enterPoint >= elements)) {
    return 'its header does not fit the photos it should hold';
  }
  // The bottom layer, then at least a link-list length per element.
  if (bytes < HEADER_BYTES + elements * (bytesPerElement + 4)) return 'cut short';
  return null;
}

function readStart(file: string, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = fs.readSync(fd, buffer, 0, length, 0);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes the graph (through `writeGraph`, which gets a temporary path in the same folder) and
 * then its sidecar, each replacing the old file by rename once it is on disk. A crash between
 * the two leaves a sidecar that does not match the graph: the index is then rebuilt. Nothing
 * here holds the thread for long: the graph is written and hashed off it.
 */
export async function writeVectorIndexFiles(
  files: VectorIndexFiles,
  writeGraph: (file: string) => Promise<unknown>,
  describe: Omit<Sidecar, 'formatVersion' | 'bytes' | 'sha256'>,
): Promise<void> {
  await fsp.mkdir(path.dirname(files.graph), { recursive: true });
  const tmpGraph = `${files.graph}.tmp`;
  let sidecar: Sidecar;
  try {
    await writeGraph(tmpGraph);
    // hnswlib's writer ignores write errors: on a full disk it leaves a cut-short file and says
    // nothing. No space left after writing is taken as that, before the file replaces a good one.
    if ((await fsp.statfs(path.dirname(tmpGraph))).bavail === 0) {
      throw Object.assign(new Error(`no space left on the disk to save ${files.graph}`), {
        code: 'ENOSPC',
      });
    }
    sidecar = {
      formatVersion: INDEX_FORMAT_VERSION,
      ...describe,
      ...(await sha256OfFile(tmpGraph)),
    };
    await replaceFile(tmpGraph, files.graph, { durable: true });
  } catch (error) {
    await fsp.rm(tmpGraph, { force: true });
    throw error;
  }
  const saved = { ...sidecar, ids: Buffer.from(littleEndian(sidecar.ids)).toString('base64') };
  await writeFileAtomic(files.sidecar, JSON.stringify(saved), { durable: true });
}

function readIds(saved: SavedIds): Uint32Array | null {
  if (Array.isArray(saved)) return Uint32Array.from(saved);
  if (typeof saved !== 'string') return null;
  const bytes = Buffer.from(saved, 'base64');
  if (bytes.length % 4 !== 0) return null;
  const ids = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < ids.length; i++) ids[i] = bytes.readUInt32LE(i * 4);
  return ids;
}

function littleEndian(ids: Uint32Array): Buffer {
  const bytes = Buffer.alloc(ids.length * 4);
  for (let i = 0; i < ids.length; i++) bytes.writeUInt32LE(ids[i]!, i * 4);
  return bytes;
}
