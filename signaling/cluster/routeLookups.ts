// The database lookups request routing needs for requests that name no
// session: a chat message's session, a battle's inviting session (the battle
// lives on that session's owner).
import type { Database } from '../../prisma/database.ts';
import type { RouteLookups } from './requestRoutes.ts';

export function routeLookups(database: Database): RouteLookups {
  return {
    async sessionOfMessage(messageId) {
      const message = await database.chatMessage.findUnique({ where: { id: messageId }, select: { sessionId: true } });
      return message?.sessionId;
    },
    async sessionOfBattle(battleId) {
      const side = await database.battleSide.findFirst({
        where: { battleId, position: 0 },
        select: { sessionId: true },
      });
      return side?.sessionId;
    },
  };
}
