export { DataDirLockedError } from "./data-dir-lock.ts";
export { type Database, type DatabaseOptions, openDatabase } from "./database.ts";
export { createNativeQuery, type NativeQuery } from "./native-query.ts";
export { createNativeTransaction, type NativeTransaction } from "./native-transaction.ts";
