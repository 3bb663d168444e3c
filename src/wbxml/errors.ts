/** The one error the codec throws on bad input; `offset` is the byte (or character, for XML) position. */
export class WbxmlDecodeError extends Error {
  override readonly name = 'WbxmlDecodeError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/** Thrown when a tree cannot be encoded (unknown tag, invalid node). */
export class WbxmlEncodeError extends Error {
  override readonly name = 'WbxmlEncodeError';
}
