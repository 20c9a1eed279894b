/**
 * Largest document text the import accepts: the ceiling of PATCHBAY_MAX_OPENAPI_BYTES, the request body
 * limit of the RPCs that carry a description (32 MiB by default), which stops larger ones first.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
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

/**
 * How much work a description may ask for, counted, never timed: whether a description is accepted
 * must not depend on how busy the machine is. Checked in one walk of the parsed document, before the
 * validator and the dereferencer run (their work grows with these counts).
 */
export interface DocumentLimits {
  /** Most objects and arrays in the document. */
  nodes: number;
  /** Deepest nesting of objects and arrays (the dereferencer recurses once per level). */
  depth: number;
  /** Most `$ref`s. */
  refs: number;
}

/**
 * The defaults: the largest descriptions of the APIs.guru collection (Azure's and AWS's, up to ~30 MB)
 * stay well inside them; GitHub's 5.7 MB description has about 0.4 million nodes and 9,000 `$ref`s.
 */
export const DOCUMENT_LIMITS: Readonly<DocumentLimits> = {
  nodes: 5_000_000,
  depth: 200,
  refs: 1_000_000,
};
