import path from 'node:path';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * A folder of `rounds` copies of the corpus (or of its first `perRound` photos), one subfolder
 * per round: the corpus is too small to time indexing on, and whole rounds keep its mix of
 * formats and sizes. Copies have the same bytes but different paths, so each is decoded,
 * embedded and stored like a photo of its own.
 */
export async function roundsOfCorpus(
  dir: string,
  rounds: number,
  perRound: number | null,
): Promise<string[]> {
  const photos: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    photos.push(
      ...(await copyCorpusPhotos(path.join(dir, `round-${round}`), perRound ?? Infinity)),
    );
  }
  return photos;
}
