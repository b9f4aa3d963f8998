import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

export interface TokenBatch {
  /** [texts, contextLength] token ids, padded with the pad token. */
  ids: BigInt64Array;
  /** [texts, contextLength] 1 for real tokens, 0 for padding. */
  attentionMask: BigInt64Array;
  contextLength: number;
}

/**
 * A text tower's front end from a Hugging Face tokenizer.json (CLIP's byte-level BPE, or BERT's
 * WordPiece for the multilingual tower): start and end tokens as its post-processor adds them,
 * and a fixed context. Texts longer than the context are cut, but the end token is kept,
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

  encodeBatch(texts: readonly string[]): TokenBatch {
    const { contextLength } = this;
    const ids = new BigInt64Array(texts.length * contextLength).fill(BigInt(this.padTokenId));
    const attentionMask = new BigInt64Array(texts.length * contextLength);
    texts.forEach((text, row) => {
      this.encode(text).forEach((id, column) => {
        ids[row * contextLength + column] = BigInt(id);
        attentionMask[row * contextLength + column] = 1n;
      });
    });
    return { ids, attentionMask, contextLength };
  }
}
