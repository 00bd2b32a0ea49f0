// Rows read back from the database: the stores' row parsers accept what this
// version writes and refuse anything else with an INTERNAL error that names
// the row, the column and the stored value (and log it), instead of passing a
// string on as if it were one of the set.
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toAccountUser, type UserRow } from './accounts/AccountService.ts';
import { toRecordingView, type RecordingRow } from './broadcast/RecordingStore.ts';
import { toReportView, type ReportRow } from './chat/ChatStore.ts';
import { AppError } from './errors.ts';
import { toStoredSession, type SessionRow } from './multihost/SessionStore.ts';
import { toEntry, type EntryRow } from './wallet/Ledger.ts';

/** A logger that keeps its lines, to check that a refused row is logged. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === 'object' && parsed !== null) lines.push({ ...parsed });
      },
    },
  );
  return { logger, lines };
}

/** The INTERNAL error `parse` throws, or a failed assertion when it throws none. */
function refusal(parse: () => unknown): AppError {
  try {
    parse();
  } catch (error) {
    if (error instanceof AppError) {
      assert.is(error.code, 'INTERNAL');
      return error;
    }
    throw error;
  }
  assert.unreachable('the row was accepted');
  throw new Error('unreachable');
}

const at = new Date('2025-01-02T03:04:05.000Z');

const recording: RecordingRow = {
  id: 'rec1',
  sessionId: 's1',
  status: 'archived',
  startedAt: at,
  endedAt: at,
  durationMs: 1500,
  sizeBytes: 2048n,
  segments: 3,
  layoutChanges: JSON.stringify([{ at: at.toISOString(), kind: 'spotlight', pinnedUserId: 'u1' }]),
  session: { title: 'Show' },
  hosts: [{ userId: 'u1', displayName: 'Ann' }],
};

test('a recording row as written reads back with its status and layout changes', () => {
  const { logger, lines } = capturingLogger();
  const view = toRecordingView(recording, logger);
  assert.is(view.status, 'archived');
  assert.equal(view.layoutChanges, [{ at: at.toISOString(), kind: 'spotlight', pinnedUserId: 'u1' }]);
  assert.is(view.durationS, 1.5);
  assert.is(view.sizeBytes, 2048);
  assert.is(lines.length, 0);
});

test('a recording row with a status outside the set is refused, named and logged', () => {
  const { logger, lines } = capturingLogger();
  const error = refusal(() => toRecordingView({ ...recording, status: 'finished' }, logger));
  assert.match(error.message, /^Recording rec1 in the database is invalid: status: /);
  assert.match(error.message, /\(stored "finished"\)/);
  assert.is(lines.length, 1);
  assert.is(lines[0]?.row, 'Recording rec1');
  assert.is(lines[0]?.level, 50);
});

test('a recording row whose layout changes are not JSON, or hold an unknown layout, is refused', () => {
  const { logger } = capturingLogger();
  const notJson = refusal(() => toRecordingView({ ...recording, layoutChanges: '[{"at":' }, logger));
  assert.match(notJson.message, /layoutChanges: is not JSON \(stored "\[\{\\"at\\":"\)/);
  const unknownKind = JSON.stringify([{ at: at.toISOString(), kind: 'mosaic', pinnedUserId: null }]);
  const badKind = refusal(() => toRecordingView({ ...recording, layoutChanges: unknownKind }, logger));
  assert.match(badKind.message, /layoutChanges\.0\.kind: /);
});

const session: SessionRow = {
  id: 's1',
  title: 'Show',
  type: 'podcast',
  layout: 'grid',
  status: 'ended',
  primaryHostId: 'u1',
  primaryHostName: 'Ann',
  createdAt: at,
  startedAt: at,
  endedAt: at,
  peakViewers: 4,
  failoverState: '{}',
  watchKey: null,
  watchPasswordHash: null,
  scheduledFor: null,
  description: '',
  tags: '[]',
  coverImage: null,
};

test('a session row keeps every column and types its type, layout and status', () => {
  const { logger } = capturingLogger();
  assert.equal(toStoredSession(session, logger), session);
});

test('a session row with an unknown status or layout is refused with every problem named', () => {
  const { logger } = capturingLogger();
  const error = refusal(() => toStoredSession({ ...session, status: 'paused', layout: 'mosaic' }, logger));
  assert.match(error.message, /^LiveSession s1 in the database is invalid: /);
  assert.match(error.message, /layout: .*\(stored "mosaic"\)/);
  assert.match(error.message, /status: .*\(stored "paused"\)/);
});

const report: ReportRow = {
  id: 'r1',
  reporterId: 'u1',
  targetUserId: 'u2',
  messageId: null,
  sessionId: 's1',
  messageText: null,
  reason: 'spam',
  details: '',
  status: 'open',
  createdAt: at,
};

test('a report row reads back; one with an unknown status or reason is refused', () => {
  const { logger } = capturingLogger();
  assert.equal(toReportView(report, logger), { ...report, createdAt: at.toISOString() });
  const badStatus = refusal(() => toReportView({ ...report, status: 'closed' }, logger));
  assert.match(badStatus.message, /^Report r1 in the database is invalid: status: .*\(stored "closed"\)$/);
  const badReason = refusal(() => toReportView({ ...report, reason: 'rude' }, logger));
  assert.match(badReason.message, /reason: .*\(stored "rude"\)/);
});

const entry: EntryRow = {
  id: 't1',
  amount: -50,
  kind: 'gift_sent',
  balanceAfter: 950,
  reference: 'gift:rose',
  createdAt: at,
};

test('a ledger row reads back; one with an unknown kind is refused', () => {
  const { logger } = capturingLogger();
  assert.equal(toEntry(entry, logger), { ...entry, createdAt: at.toISOString() });
  const error = refusal(() => toEntry({ ...entry, kind: 'refund' }, logger));
  assert.match(error.message, /^CoinTransaction t1 in the database is invalid: kind: .*\(stored "refund"\)$/);
});

const user: UserRow = {
  id: 'u1',
  email: 'ann@example.com',
  displayName: 'Ann',
  role: 'admin',
  bio: '',
  avatarUrl: null,
  createdAt: at,
};

test('a user row reads back with its role; an unknown role is refused, not turned into "user"', () => {
  const { logger } = capturingLogger();
  assert.is(toAccountUser(user, logger).role, 'admin');
  const error = refusal(() => toAccountUser({ ...user, role: 'owner' }, logger));
  assert.match(error.message, /^User u1 in the database is invalid: role: .*\(stored "owner"\)$/);
});

test('a long stored value is shortened in the message', () => {
  const { logger } = capturingLogger();
  const error = refusal(() => toRecordingView({ ...recording, layoutChanges: `[${'x'.repeat(500)}` }, logger));
  assert.match(error.message, /\(stored "\[x+\.\.\.\)$/);
  assert.ok(error.message.length < 200, error.message);
});

test.run();
