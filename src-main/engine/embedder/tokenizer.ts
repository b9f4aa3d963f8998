import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

export interface TokenBatch {
  /** [texts, length] token ids, padded with the pad token. */
  ids: BigInt64Array;
  /** [texts, length] 1 for real tokens, 0 for padding. */
  attentionMask: BigInt64Array;
  /** Tokens per text, padding included. */
  length: number;
}

/**
 * A text tower's front end from a Hugging Face tokenizer.json (CLIP's byte-level BPE, or BERT's
 * WordPiece for the multilingual tower): start and end tokens as its post-processor adds them,
 * and at most `contextLength` tokens a text. Longer texts are cut, but the end token is kept,
 * because CLIP reads the sentence embedding at the end token's position (and BERT expects it).
 */
export class TextTokenizer {
  private readonly endTokenId: number | undefined;

  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly contextLength: number,
    readonly padTokenId: number,
  ) {
    const emptyIds = tokenizer.encode('').ids;
    this.endTokenId = emptyIds.at(-1);
  }

  static fromFile(file: string, options: { contextLength: number; padTokenId: number }) {
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return new TextTokenizer(
      new Tokenizer(json as object, {}),
      options.contextLength,
      options.padTokenId,
    );
  }

  /** Token ids with start and end tokens, at most `contextLength` of them, unpadded. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.contextLength) return ids;
    const truncated = ids.slice(0, this.contextLength);
    if (this.endTokenId !== undefined) truncated[this.contextLength - 1] = this.endTokenId;
    return truncated;
  }

  /**
   * The texts' ids padded to one length: `padTo` when given (a tower that takes exactly the
   * context), otherwise the longest text's. A text tower's cost grows with the length, and a
   * query has a few tokens of the 77 CLIP allows.
   */
  encodeBatch(texts: readonly string[], padTo?: number): TokenBatch {
    const encoded = texts.map((text) => this.encode(text));
    const longest = Math.max(0, ...encoded.map((ids) => ids.length));
    if (padTo !== undefined && (padTo < longest || padTo > this.contextLength)) {
      throw new Error(
        `cannot pad ${longest} tokens to ${padTo} in a context of ${this.contextLength}`,
      );
    }
    const length = padTo ?? longest;
    const ids = new BigInt64Array(texts.length * length).fill(BigInt(this.padTokenId));
    const attentionMask = new BigInt64Array(texts.length * length);
    encoded.forEach((textIds, row) => {
      textIds.forEach((id, column) => {
        ids[row * length + column] = BigInt(id);
        attentionMask[row * length + column] = 1n;
      });
    });
    return { ids, attentionMask, length };
  }
}
