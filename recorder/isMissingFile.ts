/** The error a file system call gives for a file that is not there (yet, or any more). */
export function isMissingFile(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
