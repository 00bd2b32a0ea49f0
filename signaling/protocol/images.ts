// Pictures people upload (product pictures, avatars): the types an upload
// may declare (the server checks the bytes as well) and the avatar's size.

export const IMAGE_UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
/** Avatars: PNG, JPEG or WebP, at most this many bytes. */
export const AVATAR_MAX_BYTES = 1024 * 1024;
