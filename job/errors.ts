/** A structurally unusable input (missing file or column, invalid config): the run stops with exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}
