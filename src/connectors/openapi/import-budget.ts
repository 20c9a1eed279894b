import { Code, ConnectError } from "@connectrpc/connect";
import { MAX_IMPORTED_BYTES } from "./import-limits.ts";
import { type JsonLengthMemo, jsonLength } from "./json-length.ts";

const MIB = 1024 * 1024;
const size = (bytes: number): string => (bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`);

/** Counts the JSON an import produces and refuses it once past the limit. */
export interface ImportBudget {
  /** Counts one more part (a command, an operation's plan, a shared schema) as it is made. */
  add(value: unknown): void;
  /** Checks the finished result, measured whole (what is stored), and returns its length. */
  check(...values: unknown[]): number;
}

/**
 * An import's size budget, {@link MAX_IMPORTED_BYTES} by default. Parts are counted as they are made,
 * so a description whose commands would outgrow it (a large body schema flattened into each of
 * thousands of operations) is refused while the worker still holds little, not after it has built
 * them all. The refusal is INVALID_ARGUMENT naming the field and the limit, not the content.
 */
export function createImportBudget(
  field: string,
  memo: JsonLengthMemo,
  limit: number = MAX_IMPORTED_BYTES,
): ImportBudget {
  let used = 0;
  const refuse = (): ConnectError =>
    new ConnectError(
      `${field}: the imported commands and execution plan would be larger than ${size(limit)} as JSON; import a subset of the operations`,
      Code.InvalidArgument,
    );
  return {
    add(value) {
      used += jsonLength(value, memo) + 1;
      if (used > limit) throw refuse();
    },
    check(...values) {
      const total = values.reduce<number>((sum, value) => sum + jsonLength(value, memo), 0);
      if (total > limit) throw refuse();
      return total;
    },
  };
}
