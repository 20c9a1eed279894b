import { UniqueConstraintViolationException } from "@mikro-orm/core";
import pg from "pg";

/**
 * Whether `error` is PostgreSQL refusing a duplicate (SQLSTATE 23505), optionally of one constraint or
 * unique index by name. Work through the ORM (`flush`, `transactional`, `nativeInsert`) throws MikroORM's
 * `UniqueConstraintViolationException`; statements of `createNativeQuery` bypass the ORM's exception
 * converter and throw pg's own `DatabaseError`, so both are recognised. The message is never read: it is
 * the server's text, localised by `lc_messages`.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const duplicate =
    error instanceof UniqueConstraintViolationException ||
    (error instanceof pg.DatabaseError && error.code === "23505");
  if (!duplicate) return false;
  // pg reads the name from the server's report; MikroORM copies it onto the exception it throws.
  return constraint === undefined || ("constraint" in error && error.constraint === constraint);
}
