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

/** The driver adapter's kinds of failure that callers tell apart, as the model API reports them. */
const rawFailureCodes: Record<string, string> = {
  UniqueConstraintViolation: prismaErrorCodes.uniqueViolation,
  ForeignKeyConstraintViolation: prismaErrorCodes.foreignKeyViolation,
  TransactionWriteConflict: prismaErrorCodes.transactionConflict,
};

/**
 * The error's code; a raw statement's failure (P2010, "raw query failed") by what failed, so
 * that a unique violation reads the same from `$executeRaw` as from the model API.
 */
export function prismaErrorCode(error: unknown): string | undefined {
  const failure = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
  } | null;
  const code = failure?.code;
  if (code === 'P2010') {
    const kind = failure?.meta?.driverAdapterError?.cause?.kind;
    if (typeof kind === 'string' && rawFailureCodes[kind]) return rawFailureCodes[kind];
  }
  return typeof code === 'string' && /^P\d{4}$/.test(code) ? code : undefined;
}
