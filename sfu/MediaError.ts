// Errors the media layer reports to its caller. The codes are a subset of
// the protocol's, so the signalling boundary maps them one to one without
// sfu/ knowing anything about sockets or HTTP.
export type MediaErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID_INPUT' | 'UNAVAILABLE';

export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}
