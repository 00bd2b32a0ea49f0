// A key for keyed {#each} blocks that tells objects apart by identity, not by
// content: two MediaStreamTracks can share an id (a mesh link made again
// carries the sender's track id; a consumer made again may carry the old
// consumer's), and a duplicate key breaks the page.
const keys = new WeakMap<object, number>();
let nextKey = 0;

export function identityKey(value: object): number {
  let key = keys.get(value);
  if (key === undefined) {
    key = nextKey++;
    keys.set(value, key);
  }
  return key;
}
