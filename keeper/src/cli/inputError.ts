/** A bad command-line input (an unknown asset, a malformed shock, a missing file): one line, exit code 2. */
export class InputError extends Error {
  override name = "InputError";
}
