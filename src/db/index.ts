export { DataDirLockedError } from "./data-dir-lock.ts";
export { type Database, type DatabaseOptions, openDatabase } from "./database.ts";
