/** A tool's config file that cannot be changed safely: the message says which file, why, and what to do. */
export class ToolConfigError extends Error {
  override readonly name = 'ToolConfigError';
}
