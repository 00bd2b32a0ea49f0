// Pictures people upload (product pictures, avatars, session covers): the
// types an upload may declare (the server checks the bytes as well) and
// their sizes.

export const IMAGE_UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
/** Avatars: PNG, JPEG or WebP, at most this many bytes. */
export const AVATAR_MAX_BYTES = 1024 * 1024;
/** A session's cover picture (its announcement's): PNG, JPEG or WebP, at most this many bytes. */
export const COVER_MAX_BYTES = 2 * 1024 * 1024;
/** Where covers are served; a plan's coverUrl is this and the stored name. */
export const COVER_PATH = '/api/covers/';
