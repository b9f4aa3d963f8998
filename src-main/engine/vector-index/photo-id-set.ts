/**
 * The photo ids an index holds, as one bit per id. Photo ids are SQLite row ids, dense from 1,
 * so a library of a million photos takes 125 kB here where a Set of numbers takes tens of MB,
 * and filling it from the saved ids or listing them in order for a save is a pass over
 * memory: a Set of a million ids costs about half a second of the thread to build or sort,
 * which opening and saving the index must not hold it for.
 */
export class PhotoIdSet implements Iterable<number> {
  private words = new Uint32Array(0);
  private count = 0;

  /** The set of these ids; `size` tells whether any came twice. */
  static of(ids: Iterable<number>): PhotoIdSet {
    const set = new PhotoIdSet();
    for (const id of ids) set.add(id);
    return set;
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    const word = id >>> 5;
    return word < this.words.length && (this.words[word]! & (1 << (id & 31))) !== 0;
  }

  /** Returns whether the id was new. Ids are whole numbers up to 2^32 - 1. */
  add(id: number): boolean {
    const word = id >>> 5;
    if (word >= this.words.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.words.length * 2));
      grown.set(this.words);
      this.words = grown;
    }
    const bit = 1 << (id & 31);
    if ((this.words[word]! & bit) !== 0) return false;
    this.words[word] = this.words[word]! | bit;
    this.count++;
    return true;
  }

  /** Returns whether the id was there. */
  delete(id: number): boolean {
    if (!this.has(id)) return false;
    const word = id >>> 5;
    this.words[word] = this.words[word]! & ~(1 << (id & 31));
    this.count--;
    return true;
  }

  /** The ids in ascending order. */
  sorted(): Uint32Array {
    const ids = new Uint32Array(this.count);
    let next = 0;
    for (let word = 0; word < this.words.length; word++) {
      let bits = this.words[word]!;
      while (bits !== 0) {
        const low = bits & -bits;
        ids[next++] = word * 32 + 31 - Math.clz32(low);
        bits ^= low;
      }
    }
    return ids;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.sorted()[Symbol.iterator]();
  }
}
