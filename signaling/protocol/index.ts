// The contract between the server and every client (web app, bench, tests):
// types, request schemas, pushes, errors, layout geometry and the request
// helper. This folder imports nothing else of the project.
export * from './accountRequests.ts';
export * from './accounts.ts';
export * from './ack.ts';
export * from './auth.ts';
export * from './channelRequests.ts';
export type * from './channels.ts';
export * from './chat.ts';
export * from './chatRequests.ts';
export * from './commonRequests.ts';
export * from './events.ts';
export * from './layoutGeometry.ts';
export * from './multihost.ts';
export * from './multihostRequests.ts';
export * from './request.ts';
export * from './requestSchemas.ts';
export * from './stream.ts';
export * from './streamRequests.ts';
export * from './webrtcRequests.ts';
export type * from './studioDebug.ts';
