/** Why a file could not be turned into a photo; the library stores it and the UI explains it. */
export type PhotoDecodeReason = 'empty' | 'not-an-image' | 'corrupt' | 'too-large' | 'unreadable';

/** The only error the media layer throws for bad input; the message is one line for a person. */
export class PhotoDecodeError extends Error {
  override readonly name = 'PhotoDecodeError';

  constructor(
    readonly reason: PhotoDecodeReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
