export { CallerGoneError, type StatementStats } from "./cancel-departed-statements.ts";
export { DataDirLockedError } from "./data-dir-lock.ts";
export { type Database, type DatabaseOptions, openDatabase, type PoolLoad } from "./database.ts";
export { createNativeQuery, type NativeQuery } from "./native-query.ts";
export {
  type ChannelHandlers,
  createNotificationListener,
  type NotificationListener,
} from "./notification-listener.ts";
export {
  createPipelinedTransaction,
  type PipelinedTransaction,
  type PipelinedTransactionOptions,
  type TransactionPipe,
} from "./pipelined-transaction.ts";
