// The contract between the server and every client (web app, bench, tests):
// types, pushes, errors, layout geometry and the request helper. This folder
// imports nothing else of the project.
//
// The request schemas (zod) are exported as types only here, so the web
// app's bundle does not carry zod; the server imports them from their
// modules (<feature>Requests.ts, requestSchemas.ts).
export type * from './accountRequests.ts';
export * from './accounts.ts';
export * from './appPaths.ts';
export * from './ack.ts';
export type * from './auth.ts';
export type * from './battleRequests.ts';
export * from './battleLayout.ts';
export * from './battles.ts';
export type * from './channelRequests.ts';
export type * from './channels.ts';
export * from './chat.ts';
export type * from './chatRequests.ts';
export * from './effects.ts';
export type * from './effectRequests.ts';
export * from './events.ts';
export type * from './giftRequests.ts';
export * from './gifts.ts';
export * from './layoutGeometry.ts';
export type * from './meshRequests.ts';
export * from './multihost.ts';
export * from './notifications.ts';
export type * from './notificationRequests.ts';
export * from './onScreen.ts';
export type * from './multihostRequests.ts';
export * from './request.ts';
export type * from './requestSchemas.ts';
export * from './images.ts';
export * from './wallet.ts';
export * from './search.ts';
export type * from './searchRequests.ts';
export * from './shop.ts';
export type * from './shopRequests.ts';
export * from './stream.ts';
export type * from './streamRequests.ts';
export type * from './studioDebug.ts';
export type * from './webrtcRequests.ts';
