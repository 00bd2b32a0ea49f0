import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaError } from '../sfu/MediaError.ts';
import { AppError, toProtocolError } from './errors.ts';

test('a media error reaches the client with its own code', () => {
  // What WorkerPool.leastLoaded throws when no worker is alive.
  assert.equal(toProtocolError(new MediaError('UNAVAILABLE', 'no live mediasoup worker')), {
    code: 'UNAVAILABLE',
    message: 'no live mediasoup worker',
  });
  assert.equal(toProtocolError(new MediaError('NOT_FOUND', 'the peer left')).code, 'NOT_FOUND');
});

test('an app error keeps its code; anything else is INTERNAL without its message', () => {
  assert.equal(toProtocolError(new AppError('ROOM_FULL', 'full')), { code: 'ROOM_FULL', message: 'full' });
  assert.equal(toProtocolError(new Error('database password is wrong')), {
    code: 'INTERNAL',
    message: 'internal error',
  });
});

test.run();
