export * from './ack.ts';
export * from './chat.ts';
export * from './events.ts';
export * from './multihost.ts';
export type * from './requests.ts';
export * from './stream.ts';
export type * from './channels.ts';
