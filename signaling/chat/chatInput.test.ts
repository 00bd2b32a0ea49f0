// Pure pieces of chat input: the word filter, message text rules, history
// cursors and the CHAT_* configuration.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../config/ConfigError.ts';
import { AppError } from '../errors.ts';
import { MAX_CHAT_MESSAGE_CHARS } from '../protocol/chat.ts';
import { defaultChatConfig, loadChatConfig } from './chatConfig.ts';
import { chatReactRequest, chatSendRequest, reportBody } from '../protocol/chatRequests.ts';
import { decodeCursor, encodeCursor } from './historyCursor.ts';
import { createWordFilter, defaultFilteredWords } from './wordFilter.ts';

test('word filter: whole words and prefixes, any case, masked to the same length', () => {
  const filter = createWordFilter(['darn', 'heck*'], 'mask');
  assert.equal(filter.apply('Darn it, HECKING heck!'), { text: '**** it, ******* ****!', matched: true });
  assert.equal(filter.apply('darnation and check'), { text: 'darnation and check', matched: false });
  assert.equal(filter.apply('ｄａｒｎ'), { text: '****', matched: true }, 'fullwidth letters');
  assert.equal(filter.apply('nothing here'), { text: 'nothing here', matched: false });
  assert.equal(createWordFilter([], 'mask').apply('darn'), { text: 'darn', matched: false });
  assert.equal(createWordFilter(['a.b'], 'reject').apply('axb a.b'), { text: 'axb ***', matched: true });
  const defaults = createWordFilter(defaultFilteredWords, 'mask');
  assert.equal(defaults.apply('What the fuck, this is shitty'), {
    text: 'What the ****, this is ******',
    matched: true,
  });
  assert.is(defaults.apply('Scunthorpe, class, assess').matched, false, 'no matches inside other words');
});

test('message text: trimmed, control characters dropped, at most 500 characters (code points)', () => {
  const parse = (text: unknown) => chatSendRequest.safeParse({ sessionId: 's', text });
  assert.equal(parse('  hi\u0007 there\r\n\n\n\nbye  ').data?.text, 'hi there\n\nbye');
  assert.is(parse('   ').success, false);
  assert.is(parse('\u0000\u0001').success, false);
  assert.is(parse(42).success, false);
  assert.is(parse('😀'.repeat(MAX_CHAT_MESSAGE_CHARS)).success, true, '500 emoji are 1000 UTF-16 units');
  assert.is(parse('x'.repeat(MAX_CHAT_MESSAGE_CHARS + 1)).success, false);
  assert.is(chatReactRequest.safeParse({ messageId: 'm', emoji: '💩' }).success, false);
  assert.equal(chatReactRequest.parse({ messageId: 'm', emoji: '🔥' }), { messageId: 'm', emoji: '🔥', remove: false });
  assert.is(reportBody.safeParse({ reason: 'spam' }).success, false, 'a message or a user');
  assert.is(reportBody.safeParse({ reason: 'spam', messageId: 'm', userId: 'u' }).success, false);
  assert.is(reportBody.safeParse({ reason: 'rude', userId: 'u' }).success, false);
});

test('history cursors round-trip; anything else is INVALID_INPUT', () => {
  const position = { createdAt: new Date('2026-01-01T00:00:00.123Z'), id: 'cmabc123' };
  assert.equal(decodeCursor(encodeCursor(position)), position);
  for (const bad of ['', 'x', Buffer.from('12.').toString('base64url'), Buffer.from('a.b').toString('base64url')]) {
    try {
      decodeCursor(bad);
      assert.unreachable(`accepted ${bad}`);
    } catch (error) {
      assert.ok(error instanceof AppError && error.code === 'INVALID_INPUT', String(error));
    }
  }
});

test('CHAT_* configuration: defaults, an own list, none, and bad values named', () => {
  assert.equal(loadChatConfig({}), defaultChatConfig);
  assert.equal(loadChatConfig({ CHAT_WORD_FILTER: ' darn, heck* ,', CHAT_WORD_FILTER_MODE: 'reject' }), {
    ...defaultChatConfig,
    filteredWords: ['darn', 'heck*'],
    filterMode: 'reject',
  });
  assert.equal(loadChatConfig({ CHAT_WORD_FILTER: 'none' }).filteredWords, []);
  assert.equal(loadChatConfig({ CHAT_BURST: '20', CHAT_PER_S: '0.5' }).rate, { burst: 20, perS: 0.5 });
  for (const [variable, value] of [
    ['CHAT_WORD_FILTER_MODE', 'shout'],
    ['CHAT_BURST', '0'],
    ['CHAT_PER_S', 'fast'],
  ] as const) {
    try {
      loadChatConfig({ [variable]: value });
      assert.unreachable(`accepted ${variable}=${value}`);
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      assert.is(error.variable, variable);
    }
  }
});

test.run();
