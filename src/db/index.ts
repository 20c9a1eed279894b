export { DataDirLockedError } from "./data-dir-lock.ts";
export { type Database, type DatabaseOptions, openDatabase } from "./database.ts";
export { createNativeQuery, type NativeQuery } from "./native-query.ts";
export {
  createPipelinedTransaction,
  type PipelinedTransaction,
  type PipelinedTransactionOptions,
  type TransactionPipe,
} from "./pipelined-transaction.ts";
