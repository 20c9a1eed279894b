/** A statement's text and its values. */
interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * The statement with the queue's name as a parameter instead of the literal pg-boss writes into its text
 * (its row values and its queue join): every queue of one jobs table then shares one text. A pull endpoint
 * has a queue of its own, so otherwise each rendered a text of its own, and the event writer, which keeps
 * at most 32 texts prepared per connection, planned the job insert of every other endpoint on every batch
 * (about 500 µs of PostgreSQL per transaction, bench/README). A statement that does not hold the quoted
 * name, or already has a second parameter, is kept as rendered.
 */
export function withQueueParameter<S extends Statement>(statement: S, queue: string): S | Statement {
  const literal = `'${queue}'`;
  if (queue.includes("'") || statement.values.length !== 1 || statement.text.includes("$2")) return statement;
  const parts = statement.text.split(literal);
  if (parts.length < 2) return statement;
  return { text: parts.join("$2::text"), values: [...statement.values, queue] };
}
