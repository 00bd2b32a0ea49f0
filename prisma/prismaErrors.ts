// Prisma's known request errors carry a code (P2002 unique violation, …).
// Both generated clients share the runtime, but matching the code rather than
// a class keeps callers independent of which client made the error.
// https://www.prisma.io/docs/orm/reference/error-reference

export const prismaErrorCodes = {
  uniqueViolation: 'P2002',
  foreignKeyViolation: 'P2003',
  /** A write conflict or a deadlock: the transaction may be retried. */
  transactionConflict: 'P2034',
} as const;

export function prismaErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^P\d{4}$/.test(code) ? code : undefined;
}
