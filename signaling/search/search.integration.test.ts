// Search against a real node, on both databases (an embedded SQLite file and
// a real PostgreSQL, which compare case differently): live public shows by
// title or host name, channels by title or address, whatever the case; LIKE's
// wildcards typed by someone are taken literally; a private show is never
// found; too short or too long a query is refused in words.
// run-tests: shares the machine
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount, request } from '../../testkit/accountClient.ts';
import { serverOnDatabases, type ServerOnDatabase } from '../../testkit/serverOnDatabases.ts';
import { createSession } from '../../testkit/sessions.ts';
import { api, signInGuest } from '../../testkit/signalingClient.ts';
import type { SearchResults } from '../protocol/index.ts';

for (const [provider, start] of Object.entries(serverOnDatabases())) {
  const test = suite(`search on ${provider}`);
  let target: ServerOnDatabase;

  test.before(async () => {
    target = await start();
  });
  test.after(async () => {
    await target.close();
  });

  const search = async (words: string) => {
    const answer = await request<SearchResults>(
      target.server.url,
      'GET',
      `/api/search?${new URLSearchParams({ q: words }).toString()}`,
    );
    assert.ok(answer.body.ok, JSON.stringify(answer.body));
    return {
      sessions: answer.body.data.sessions.map((session) => session.title),
      channels: answer.body.data.channels.map((channel) => channel.slug),
    };
  };

  test('shows by title or host, channels by title or address, any case; wildcards are letters; private shows hidden', async () => {
    const owner = await registerAccount(target.server.url, { displayName: 'Margaret' });
    for (const body of [
      { slug: 'moon-landing', title: 'Apollo Guidance' },
      { slug: 'percent-club', title: '100% Club' },
    ]) {
      const created = await request(target.server.url, 'POST', '/api/channels', { token: owner.token, body });
      assert.ok(created.body.ok, JSON.stringify(created.body));
    }
    const host = await signInGuest(target.server.url, 'Hedy Lamarr');
    const show = await createSession(target.server.url, host.token, 'Frequency Hopping Live');
    const secret = await createSession(target.server.url, host.token, 'Frequency secrets', { private: true });
    for (const session of [show, secret]) {
      assert.is((await api(target.server.url, 'POST', `/api/multihost/${session.id}/start`, host.token)).status, 200);
    }

    assert.equal(await search('frequency'), { sessions: ['Frequency Hopping Live'], channels: [] });
    assert.equal(await search('LAMARR'), { sessions: ['Frequency Hopping Live'], channels: [] }, 'by host name');
    assert.equal(await search('guidance'), { sessions: [], channels: ['moon-landing'] }, 'title, any case');
    assert.equal(await search('MOON-LAND'), { sessions: [], channels: ['moon-landing'] }, 'address');
    assert.equal(await search('0% c'), { sessions: [], channels: ['percent-club'] }, 'a % typed is found');
    assert.equal(await search('o%g'), { sessions: [], channels: [] }, '% is a letter, not any run');
    assert.equal(await search('a_o'), { sessions: [], channels: [] }, '_ is a letter, not any one');
    assert.equal(await search('nothing like it'), { sessions: [], channels: [] });
  });

  test('too short, too long or missing: refused in words', async () => {
    for (const query of ['', '?q=a', '?q=%20%20x%20', `?q=${'x'.repeat(81)}`]) {
      const answer = await request(target.server.url, 'GET', `/api/search${query}`);
      assert.is(answer.status, 400, query);
      assert.is(!answer.body.ok && answer.body.error.code, 'INVALID_INPUT');
    }
  });

  test.run();
}
