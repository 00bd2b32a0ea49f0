// Tests take free ports the way the recorder does.
export { freeTcpPort as freePort } from '../recorder/freeTcpPort.ts';
