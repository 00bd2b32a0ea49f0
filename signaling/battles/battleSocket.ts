// Socket.io handlers for PK battles. Reading a battle needs no identity
// (audiences follow it); inviting, answering and cancelling act as the
// socket's account, and BattleService checks that it is the right primary host.
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { RequestSocket } from '../socket/socketData.ts';
import type { BattleService } from './BattleService.ts';

export function registerBattleHandlers(socket: RequestSocket, battles: BattleService, logger: Logger): void {
  const on = requestRegistrar(socket, logger);
  const identity = (): Identity => {
    const found = socket.data.identity;
    if (!found) throw new AppError('UNAUTHENTICATED', 'sign in with an account to battle');
    return found;
  };

  on('pk-battle:invite', (request) => battles.invite(identity(), request));
  on('pk-battle:accept', ({ battleId }) => battles.accept(identity(), battleId));
  on('pk-battle:decline', ({ battleId }) => battles.decline(identity(), battleId));
  on('pk-battle:cancel', ({ battleId }) => battles.cancel(identity(), battleId));
  on('pk-battle:get', ({ battleId }) => battles.get(battleId));
  on('pk-battle:current', ({ sessionId }) => battles.current(sessionId));
  on('pk-battle:quick-match', (request) => battles.quickMatch(identity(), request));
  on('pk-battle:leave-queue', async ({ sessionId }) => {
    await battles.leaveQueue(identity(), sessionId);
    return null;
  });
}
