/** A chat message as stored (soft-deleted ones keep their row). */
export interface MessageRow {
  id: string;
  sessionId: string;
  userId: string;
  displayName: string;
  text: string;
  createdAt: Date;
  deletedAt: Date | null;
}
