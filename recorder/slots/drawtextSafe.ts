/**
 * A name as drawtext can take it inside our filter graph and its zmq
 * commands: letters, digits, spaces and a few harmless marks, at most 40
 * characters. Everything that means something to the filter-graph parser,
 * the command parser or drawtext (quotes, backslashes, `:` `,` `;` `[` `]`,
 * `%` expansions) is dropped rather than escaped through several levels of
 * quoting.
 */
export function drawtextSafe(name: string): string {
  return name
    .replace(/[^\p{L}\p{N} ._-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 40);
}
