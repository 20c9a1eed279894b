/** Largest document text accepted (the request body limit usually stops larger ones first). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Most operations one import turns into commands. */
export const MAX_OPERATIONS = 5_000;
/**
 * Most JSON one import may produce: the commands (the catalog's `configSchema`) and the execution plan
 * together. Shared schemas are stored once, so real descriptions stay well below it: of the 45 largest
 * in the APIs.guru collection, the most is 5.5 MiB (Autotask's, 3.2 MB, 2,958 operations), at most
 * 2.1 times the document; DocuSign's 2.7 MB makes 1.7 MiB. Past it, the import is refused before the
 * plan is serialised.
 */
export const MAX_IMPORTED_BYTES = 16 * 1024 * 1024;
