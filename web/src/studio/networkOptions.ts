// `?relay=1` forces every media path through TURN (iceTransportPolicy
// 'relay'): for networks that block direct UDP, for diagnosing them, and for
// the test that proves TURN works. Remembered for the tab like `?capture=`.
const RELAY_KEY = 'stagecast.relay';

export function iceTransportPolicy(): 'all' | 'relay' {
  if (typeof location !== 'undefined') {
    const fromUrl = new URLSearchParams(location.search).get('relay');
    if (fromUrl !== null) sessionStorage.setItem(RELAY_KEY, fromUrl === '1' ? '1' : '0');
  }
  return typeof sessionStorage !== 'undefined' && sessionStorage.getItem(RELAY_KEY) === '1' ? 'relay' : 'all';
}

if (typeof location !== 'undefined') iceTransportPolicy();
