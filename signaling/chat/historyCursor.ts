// History pages are keyed by (createdAt, id), newest first: a page holds the
// messages strictly before the cursor in that order, so messages arriving
// meanwhile (newer) or deleted meanwhile never shift a page — no duplicates
// and no gaps. The cursor is opaque to clients (base64url of "<ms>.<id>").
import { AppError } from '../errors.ts';

export interface HistoryCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: HistoryCursor): string {
  return Buffer.from(`${position.createdAt.getTime()}.${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): HistoryCursor {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError('INVALID_INPUT', 'before: not a history cursor (use nextBefore of a page)');
  return { createdAt: new Date(Number(match[1])), id: match[2] as string };
}
