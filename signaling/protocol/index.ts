export * from './ack.ts';
export * from './events.ts';
