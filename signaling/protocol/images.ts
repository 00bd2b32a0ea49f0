// Pictures people upload (product pictures, avatars, session covers, logos
// and backdrops): the types an upload may declare (the server checks the
// bytes as well) and their sizes.

export const IMAGE_UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
/** Avatars: PNG, JPEG or WebP, at most this many bytes. */
export const AVATAR_MAX_BYTES = 1024 * 1024;
/** A session's cover picture (its announcement's): PNG, JPEG or WebP, at most this many bytes. */
export const COVER_MAX_BYTES = 2 * 1024 * 1024;
/** Where covers are served; a plan's coverUrl is this and the stored name. */
export const COVER_PATH = '/api/covers/';
/** A logo or backdrop for the composed picture: PNG, JPEG or WebP, at most this many bytes. */
export const ON_SCREEN_PICTURE_MAX_BYTES = 2 * 1024 * 1024;
/** Where on-screen pictures are served; OnScreenState.pictures hold this and the stored name. */
export const ON_SCREEN_PICTURE_PATH = '/api/on-screen-pictures/';
