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
  /**
   * Most work dereferencing and validating the description may take (measure-expansion.ts): the values
   * the parser and Ajv walk once every `$ref` is resolved, a schema counted once per place it is used,
   * plus one per 1,000 characters of the paths they build. The counts above measure the document as
   * written; this one what it becomes, which a few kilobytes of schemas that each use the next twice
   * can make 2^40 values.
   */
  expansion: number;
}

/**
 * The defaults: the largest descriptions of the APIs.guru collection (Azure's and AWS's, up to ~30 MB)
 * stay well inside the document's; GitHub's 5.7 MB description has about 0.4 million nodes and 9,000
 * `$ref`s. The expansion's is 2.2 times the most any description measured needs (DocuSign's 2.8 MB:
 * 17.9 million, a 5 s import on an idle machine; Google Wallet's 0.8 million, Rebilly's 0.5, GitHub's
 * 0.1). Validation costs 0.3 to 0.5 µs a unit on an idle machine whatever the description's shape (up
 * to 1.7 under heavy load), so one at the limit takes 11 to 19 s, well inside the import worker's 60 s
 * (bench/README.md).
 */
export const DOCUMENT_LIMITS: Readonly<DocumentLimits> = {
  nodes: 5_000_000,
  depth: 200,
  refs: 1_000_000,
  expansion: 40_000_000,
};
