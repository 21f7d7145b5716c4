/**
 * The one error a malformed trace or a bad replay argument raises: a message that names where
 * in the input the problem is (a byte offset for binary formats, a line for text), so the CLI
 * can print it on one line after the file's name and exit 2.
 */
export class TraceError extends Error {
  override readonly name = "TraceError";
  /**
   * @param message what is wrong, already located ("byte offset 8: 2 bytes left over …")
   * @param offset the byte offset in the (decompressed) input, when known
   * @param line the 1-based line of a text trace, when known
   */
  constructor(
    message: string,
    readonly offset?: number,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** 1234567 → "1,234,567": figures in messages read as people write them. */
export function groupDigits(n: number): string {
  return n.toLocaleString("en-US");
}
