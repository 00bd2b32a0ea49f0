// A private show's watch key as this tab has it: from the link it was opened
// with (`?key=`), else the one its password was answered with earlier in the
// tab (sessionStorage: a reload keeps it, closing the tab forgets it).

export const watchKeyStorage = (sessionId: string) => `stagecast.watchKey.${sessionId}`;

export function initialWatchKey(sessionId: string): string | undefined {
  const fromLink = new URLSearchParams(location.search).get('key');
  if (fromLink) return fromLink;
  return sessionStorage.getItem(watchKeyStorage(sessionId)) ?? undefined;
}
