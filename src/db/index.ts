export { CallerGoneError, type StatementStats } from "./cancel-departed-statements.ts";
export { type Database, type DatabaseOptions, openDatabase } from "./database.ts";
export { EmbeddedPostgresError } from "./embedded/embedded-postgres-error.ts";
export { createNativeQuery, type NativeQuery } from "./native-query.ts";
export {
  type ChannelHandlers,
  createNotificationListener,
  listenerConnectedSql,
  type NotificationListener,
} from "./notification-listener.ts";
export type { StatementInfo, StatementObserver } from "./observe-statements.ts";
export {
  createPipelinedTransaction,
  type PipelinedTransaction,
  type PipelinedTransactionOptions,
  type TransactionPipe,
} from "./pipelined-transaction.ts";
export { type PoolLoad, readPoolLoad } from "./read-pool-load.ts";
export { rowsOf } from "./rows-of.ts";
export { HOURLY, type SweepSchedule, startSweep } from "./start-sweep.ts";
export { createTurnstile, type Turnstile, type TurnstileLine } from "./turnstile.ts";
export { isUniqueViolation } from "./unique-violation.ts";
