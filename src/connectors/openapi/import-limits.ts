/** Largest document text accepted (the request body limit usually stops larger ones first). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Most operations one import turns into commands. */
export const MAX_OPERATIONS = 5_000;
