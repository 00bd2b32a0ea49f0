// Notifications against a real node, on both databases (an embedded SQLite
// file and a real PostgreSQL): a followed channel going live is told to each
// follower once, live on every open page and in the bell's list; the same
// event told again adds nothing; read on one page is read on the others;
// a private show is not announced; an invitation to host or to a battle
// reaches an account's bell (a guest's invitation writes nothing and breaks
// nothing); bad input
// and other people's notifications are refused or left alone.
// run-tests: shares the machine
import pino from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../prisma/database.ts';
import { registerAccount, request, type SignedInAccount } from '../../testkit/accountClient.ts';
import { serverOnDatabases, type ServerOnDatabase } from '../../testkit/serverOnDatabases.ts';
import { createSession } from '../../testkit/sessions.ts';
import { api, connectClient, signInGuest, type TestClient } from '../../testkit/signalingClient.ts';
import type { NotificationList, NotificationsRead, NotificationView } from '../protocol/index.ts';
import { NotificationService } from './NotificationService.ts';

for (const [provider, start] of Object.entries(serverOnDatabases())) {
  const test = suite(`notifications on ${provider}`);
  let target: ServerOnDatabase;
  let database: Database;
  const clients: TestClient[] = [];

  test.before(async () => {
    target = await start();
    database = openDatabase(target.databaseUrl);
  });
  test.after(async () => {
    for (const client of clients) client.close();
    await database.$disconnect();
    await target.close();
  });

  const list = async (account: SignedInAccount) => {
    const answer = await request<NotificationList>(target.server.url, 'GET', '/api/notifications', {
      token: account.token,
    });
    assert.ok(answer.body.ok, JSON.stringify(answer.body));
    return answer.body.data;
  };
  const page = async (account: SignedInAccount) => {
    const client = await connectClient(target.server.url, account.token);
    clients.push(client);
    return client;
  };
  const channelOf = async (owner: SignedInAccount, slug: string) => {
    const created = await request(target.server.url, 'POST', '/api/channels', {
      token: owner.token,
      body: { slug, title: `${owner.user.displayName}'s channel` },
    });
    assert.ok(created.body.ok, JSON.stringify(created.body));
  };
  const follow = async (fan: SignedInAccount, slug: string) => {
    const followed = await request(target.server.url, 'POST', `/api/channels/${slug}/follow`, { token: fan.token });
    assert.ok(followed.body.ok, JSON.stringify(followed.body));
  };
  const goLive = async (host: SignedInAccount, sessionId: string) => {
    const started = await api(target.server.url, 'POST', `/api/multihost/${sessionId}/start`, host.token);
    assert.is(started.status, 200, JSON.stringify(started.body));
  };

  test('a followed channel going live: each follower told once, live on every page and in the list; read everywhere', async () => {
    const host = await registerAccount(target.server.url, { displayName: 'Grace' });
    const [fan, otherFan, stranger] = await Promise.all([
      registerAccount(target.server.url, { displayName: 'Fan' }),
      registerAccount(target.server.url, { displayName: 'Other fan' }),
      registerAccount(target.server.url, { displayName: 'Stranger' }),
    ]);
    const slug = `grace-${provider}`;
    await channelOf(host, slug);
    await follow(fan, slug);
    await follow(otherFan, slug);
    const [phone, laptop] = [await page(fan), await page(fan)];

    const session = await createSession(target.server.url, host.token, 'Late show');
    const onPhone = phone.next('notification:new');
    const onLaptop = laptop.next('notification:new');
    await goLive(host, session.id);
    const pushed: NotificationView = await onPhone;
    assert.equal((await onLaptop).id, pushed.id, 'every page of the account hears it');
    assert.is(pushed.kind, 'channel-live');
    assert.is(pushed.text, 'Grace is live: Late show');
    assert.is(pushed.path, `/watch/${session.id}`);
    assert.is(pushed.read, false);

    const fans = await list(fan);
    assert.equal([fans.unread, fans.items.map((item) => item.id)], [1, [pushed.id]]);
    assert.is((await list(otherFan)).unread, 1);
    assert.equal(await list(stranger), { items: [], unread: 0 }, 'not following: not told');
    assert.equal(await list(host), { items: [], unread: 0 }, 'not told of their own show');

    // The same event told again (a failover's second go-live, a retried call): nothing new, nothing pushed.
    const service = new NotificationService(database, () => ({ emit: () => undefined }), pino({ level: 'silent' }));
    const again = await service.notify([fan.user.userId, fan.user.userId], {
      kind: 'channel-live',
      dedupeKey: `live:${session.id}`,
      text: 'again',
      path: '/',
    });
    assert.is(again, 0);
    assert.is((await list(fan)).items.length, 1);
    assert.is(phone.received('notification:new').length, 1);

    // Someone else's notification is not theirs to read.
    const othersRead = await request<{ unread: number }>(target.server.url, 'POST', '/api/notifications/read', {
      token: otherFan.token,
      body: { ids: [pushed.id] },
    });
    assert.ok(othersRead.body.ok);
    assert.is(othersRead.body.data.unread, 1, "the other fan's own stays unread");
    assert.is((await list(fan)).unread, 1);

    const readOnLaptop: Promise<NotificationsRead> = laptop.next('notification:read');
    const read = await request<{ unread: number }>(target.server.url, 'POST', '/api/notifications/read', {
      token: fan.token,
      body: { ids: [pushed.id] },
    });
    assert.ok(read.body.ok);
    assert.equal(await readOnLaptop, { ids: [pushed.id], unread: 0 });
    const after = await list(fan);
    assert.equal([after.unread, after.items[0]?.read], [0, true]);
    const all = await request<{ unread: number }>(target.server.url, 'POST', '/api/notifications/read', {
      token: otherFan.token,
      body: { all: true },
    });
    assert.ok(all.body.ok);
    assert.is(all.body.data.unread, 0);
  });

  test('a private show is not announced; an invitation to host reaches an account, a guest invitee costs nothing', async () => {
    const host = await registerAccount(target.server.url, { displayName: 'Ada' });
    const fan = await registerAccount(target.server.url, { displayName: 'Ada fan' });
    const slug = `ada-${provider}`;
    await channelOf(host, slug);
    await follow(fan, slug);
    const secret = await createSession(target.server.url, host.token, 'Members only', { private: true });
    await goLive(host, secret.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.is((await list(fan)).unread, 0, 'a private show is not announced');

    const show = await createSession(target.server.url, host.token, 'Duet');
    const coHost = await registerAccount(target.server.url, { displayName: 'Barbara' });
    const coHostPage = await page(coHost);
    const told = coHostPage.next('notification:new');
    const invited = await api(target.server.url, 'POST', `/api/multihost/${show.id}/invite`, host.token, {
      userId: coHost.user.userId,
    });
    assert.is(invited.status, 200, JSON.stringify(invited.body));
    const invitation = await told;
    assert.equal(
      [invitation.kind, invitation.text, invitation.path],
      ['host-invitation', 'Ada invited you to host Duet', `/studio/${show.id}`],
    );
    const guest = await signInGuest(target.server.url, 'Guest');
    const guestInvite = await api(target.server.url, 'POST', `/api/multihost/${show.id}/invite`, host.token, {
      userId: guest.userId,
    });
    assert.is(guestInvite.status, 200, 'the invitation itself works for a guest');
    assert.is(await database.notification.count({ where: { userId: guest.userId } }), 0);
  });

  test("a battle invitation reaches the invited primary host's bell, once, leading to their studio", async () => {
    const [ada, ken] = await Promise.all([
      registerAccount(target.server.url, { displayName: 'Ada B' }),
      registerAccount(target.server.url, { displayName: 'Ken B' }),
    ]);
    const [mine, theirs] = await Promise.all([
      createSession(target.server.url, ada.token, 'Show A'),
      createSession(target.server.url, ken.token, 'Show B'),
    ]);
    await goLive(ada, mine.id);
    await goLive(ken, theirs.id);
    const kenPage = await page(ken);
    const told = kenPage.next('notification:new');
    const invited = await api(target.server.url, 'POST', '/api/pk-battles', ada.token, {
      sessionId: mine.id,
      opponentSessionId: theirs.id,
      durationS: 120,
    });
    assert.ok(invited.status < 300, JSON.stringify(invited.body));
    const invitation = await told;
    assert.equal(
      [invitation.kind, invitation.text, invitation.path],
      ['battle-invitation', 'Ada B challenges Show B to a 2-minute PK battle', `/studio/${theirs.id}`],
    );
    assert.is((await list(ken)).unread, 1);
    assert.is((await list(ada)).unread, 0, 'the inviting host is not told');
  });

  test('bad input is refused in words; guests and anonymous callers have no notifications', async () => {
    const account = await registerAccount(target.server.url);
    for (const body of [{}, { ids: [] }, { all: false }, { ids: ['x'], all: true }, { ids: 'x' }]) {
      const answer = await request(target.server.url, 'POST', '/api/notifications/read', {
        token: account.token,
        body,
      });
      assert.is(answer.status, 400, JSON.stringify(body));
      assert.is(!answer.body.ok && answer.body.error.code, 'INVALID_INPUT');
    }
    const guest = await signInGuest(target.server.url, 'Guest');
    assert.is((await api(target.server.url, 'GET', '/api/notifications', guest.token)).status, 403);
    assert.is((await api(target.server.url, 'GET', '/api/notifications')).status, 401);
  });

  test.run();
}
