import type { DuplicateGroup, DuplicateReport, DuplicateTier } from '../../contract/api.js';
import type { Catalog, PhotoRow } from '../catalog/catalog.js';
import { toPhotoSummary } from '../search/photo-summary.js';
import type { VectorStore } from '../vector-store.js';
import type { NearDuplicates } from './near-duplicates.js';

/**
 * The library's duplicate groups as stored: exact copies (one content hash in several places)
 * and near-duplicate groups (see NearDuplicates), joined where they share a photo, so each
 * photo is in one group at most. `tier` keeps only exact copies (hash links alone) or only
 * the groups that hold more than exact copies. Reads only: it works on a read-only library.
 */
export function duplicateReport(
  catalog: Catalog,
  near: { duplicates: NearDuplicates; vectors: VectorStore } | null,
  tier?: DuplicateTier,
): DuplicateReport {
  const groupOf = new UnionFind();
  const hashes = new Map<string, number>();
  for (const { photoId, contentHash } of catalog.exactCopies()) {
    const first = hashes.get(contentHash);
    if (first === undefined) hashes.set(contentHash, photoId);
    else groupOf.union(first, photoId);
  }
  const threshold = near?.duplicates.threshold ?? null;
  if (near !== null && threshold !== null && tier !== 'exact') {
    for (const { photoId, nearGroup } of catalog.nearGroupMembers(near.vectors.modelId)) {
      groupOf.union(nearGroup, photoId);
    }
  }
  const groups: DuplicateGroup[] = [];
  for (const ids of groupOf.groups()) {
    const photos = ids.flatMap((id) => catalog.getPhoto(id) ?? []);
    if (photos.length < 2) continue;
    const group = toGroup(photos, near?.vectors ?? null);
    if (tier === undefined || group.tier === tier) groups.push(group);
  }
  groups.sort(
    (a, b) =>
      b.reclaimableBytes - a.reclaimableBytes || a.members[0]!.photo.id - b.members[0]!.photo.id,
  );
  return {
    groups,
    reclaimableBytes: groups.reduce((sum, group) => sum + group.reclaimableBytes, 0),
    nearThreshold: threshold,
    uncompared: near?.duplicates.uncompared() ?? 0,
  };
}

function toGroup(photos: PhotoRow[], vectors: VectorStore | null): DuplicateGroup {
  const [keeper, ...others] = [...photos].sort(keeperFirst);
  const exact = others.every((photo) => photo.contentHash === keeper!.contentHash);
  return {
    tier: exact ? 'exact' : 'near',
    members: [keeper!, ...others].map((photo) => ({
      photo: toPhotoSummary(photo, vectors?.has(photo.id) ?? false),
      fileBytes: photo.size,
      keeper: photo === keeper,
    })),
    reclaimableBytes: others.reduce((sum, photo) => sum + photo.size, 0),
  };
}

/**
 * The order in which a group's photos deserve keeping: the most pixels, then the largest
 * file (less compressed), then the most metadata (a copy that lost its EXIF loses to the
 * original), then the oldest (the original is usually older than its copies).
 */
function keeperFirst(a: PhotoRow, b: PhotoRow): number {
  return (
    pixels(b) - pixels(a) ||
    b.size - a.size ||
    metadataCount(b) - metadataCount(a) ||
    dateOf(a) - dateOf(b) ||
    a.id - b.id
  );
}

function pixels(photo: PhotoRow): number {
  return (photo.width ?? 0) * (photo.height ?? 0);
}

function metadataCount(photo: PhotoRow): number {
  return [photo.takenAt, photo.cameraMake, photo.cameraModel, photo.gpsLatitude].filter(
    (value) => value !== null,
  ).length;
}

/** When it was taken, else the file's time. */
function dateOf(photo: PhotoRow): number {
  const taken = photo.takenAt === null ? Number.NaN : Date.parse(photo.takenAt);
  return Number.isNaN(taken) ? photo.mtimeMs : taken;
}

/** Disjoint sets of photo ids, joined with `union`. */
class UnionFind {
  private readonly parent = new Map<number, number>();

  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent.set(Math.max(rootA, rootB), Math.min(rootA, rootB));
  }

  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (const id of this.parent.keys()) {
      const root = this.find(id);
      let members = byRoot.get(root);
      if (members === undefined) byRoot.set(root, (members = []));
      members.push(id);
    }
    return [...byRoot.values()];
  }

  private find(id: number): number {
    let root = id;
    for (let next = this.parent.get(root); next !== undefined && next !== root;) {
      root = next;
      next = this.parent.get(root);
    }
    if (!this.parent.has(id)) this.parent.set(id, id);
    // Path compression: later finds take one step.
    for (let node = id; node !== root;) {
      const next = this.parent.get(node)!;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }
}
