import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** The codes src/ can emit, each with the first place (`src/file.ts:line`) that mints it. */
export interface MintedCodes {
  /** Whole codes, upper case (`SCRIPT_TIMEOUT`) or lower case (`state_expired`). */
  readonly codes: ReadonlyMap<string, string>;
  /** Codes built at run time, by their fixed prefix: `EXTERNAL_HTTP_${status}` → `EXTERNAL_HTTP_`. */
  readonly families: ReadonlyMap<string, string>;
  /** REST bridge refusals, `new BridgeError(413, "resource_exhausted", …)` → `resource_exhausted 413`. */
  readonly refusals: ReadonlyMap<string, string>;
}

/**
 * Upper-case string literals in src/ that are not codes the service emits. Any other upper-case literal
 * counts as a code: a new one fails the catalogue test until docs/errors.md lists it or it is added here.
 */
export const NOT_CODES: Readonly<Record<string, string>> = {
  GET: "HTTP method",
  HEAD: "HTTP method",
  POST: "HTTP method",
  PUT: "HTTP method",
  PATCH: "HTTP method",
  DELETE: "HTTP method",
  SIGINT: "process signal",
  SIGTERM: "process signal",
  SIGKILL: "process signal",
  S256: "PKCE method",
  RS256: "JWT algorithm",
  OKP: "JWK key type",
  HTTP: "a connector's display name",
  HTML: "a Telegram parse mode",
  ENG: "sample data in a built-in connector's mock",
  SENT: "sample data in a built-in connector's mock",
  C0123456789: "sample data in a built-in connector's mock",
  SM00000000000000000000000000000001: "sample data in a built-in connector's mock",
  DATABASE_URL: "environment variable",
  LOG_LEVEL: "environment variable",
  LOG_FORMAT: "environment variable",
  LANG: "environment variable of the embedded PostgreSQL",
  LC_ALL: "environment variable of the embedded PostgreSQL",
  PATH: "environment variable of the embedded PostgreSQL",
  NODE_COMPILE_CACHE: "Node.js environment variable: the compile cache folder",
  PG_VERSION: "file of the embedded PostgreSQL's data folder",
  UND_ERR_BODY_TIMEOUT: "undici error code, read",
  UND_ERR_CONNECT_TIMEOUT: "undici error code, read",
  UND_ERR_HEADERS_TIMEOUT: "undici error code, read",
  CALLER_GONE: "internal marker of a statement not sent; never leaves the process",
  SELECT: "SQL keyword: the operation a statement span is named by (a WITH statement that writes nothing)",
};

const UPPER = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const UPPER_PREFIX = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_$/;
const LOWER = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
/** Environment variables (documented in the README's configuration table and docs/observability.md), not codes. */
const ENVIRONMENT = /^(PATCHBAY_|OTEL_)/;

/** Properties, variables and assignments whose lower-case string value is a code. */
const CODE_NAMES = new Set(["code", "errorCode", "reason", "lastError", "lastErrorCode"]);
/** Calls and constructors taking a code, and the argument that holds it. */
const CODE_ARGUMENTS: Readonly<Record<string, number>> = {
  failure: 1,
  fail: 0,
  reject: 0,
  rejected: 1,
  scriptFailure: 0,
  OutboundError: 0,
  OAuthError: 0,
  BridgeError: 1,
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function nameOf(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node) || ts.isStringLiteral(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  return undefined;
}

/** `a === "X"`, `case "X":`: a literal that is compared is read, not minted. */
function isCompared(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isCaseClause(parent)) return true;
  if (!ts.isBinaryExpression(parent)) return false;
  const op = parent.operatorToken.kind;
  return (
    op === ts.SyntaxKind.EqualsEqualsEqualsToken ||
    op === ts.SyntaxKind.ExclamationEqualsEqualsToken ||
    op === ts.SyntaxKind.EqualsEqualsToken ||
    op === ts.SyntaxKind.ExclamationEqualsToken
  );
}

/** The string literals an expression can evaluate to: through `?:`, `??`, `||`, parentheses and `as`. */
function outcomes(node: ts.Expression | undefined): ts.StringLiteralLike[] {
  if (node === undefined) return [];
  if (ts.isStringLiteralLike(node)) return [node];
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node))
    return outcomes(node.expression);
  if (ts.isConditionalExpression(node)) return [...outcomes(node.whenTrue), ...outcomes(node.whenFalse)];
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken)
      return [...outcomes(node.left), ...outcomes(node.right)];
  }
  return [];
}

/** The lower-case codes a node mints: by the name it is given, or the call it is passed to. */
function lowerCaseCodes(node: ts.Node): ts.StringLiteralLike[] {
  // Under a property or variable name, a single word is usually a plain value ("private", "active").
  const named = (value: ts.Expression | undefined) =>
    outcomes(value).filter((s) => LOWER.test(s.text) && s.text.includes("_"));
  if (ts.isPropertyAssignment(node) && CODE_NAMES.has(nameOf(node.name) ?? ""))
    return named(node.initializer);
  if (ts.isVariableDeclaration(node) && CODE_NAMES.has(nameOf(node.name) ?? ""))
    return named(node.initializer);
  if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    CODE_NAMES.has(nameOf(node.left) ?? "")
  )
    return named(node.right);
  if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
    const index = CODE_ARGUMENTS[nameOf(node.expression) ?? ""];
    if (index === undefined) return [];
    return outcomes(node.arguments?.[index]).filter((s) => LOWER.test(s.text));
  }
  return [];
}

/**
 * Reads every `.ts` file under `root` (src/) with the TypeScript parser and collects the codes it mints:
 * - every upper-case string literal, anywhere (`"SCRIPT_TIMEOUT"`, `| "TIMEOUT"` in a type, an object key
 *   such as `EXTERNAL_UNAVAILABLE:`), except those compared against and {@link NOT_CODES};
 * - every template whose fixed start is an upper-case prefix (`` `UPSTREAM_HTTP_${status}` ``), a family;
 * - lower-case codes where a code goes: the value of `code`, `errorCode`, `reason`, `lastError` or
 *   `lastErrorCode`, and the code argument of `failure`, `fail`, `reject`, `rejected`, `scriptFailure`,
 *   `OutboundError`, `OAuthError` and `BridgeError`;
 * - the status and code of each `new BridgeError(status, code, …)`.
 */
export function collectErrorCodes(root: string, repo: string): MintedCodes {
  const codes = new Map<string, string>();
  const families = new Map<string, string>();
  const refusals = new Map<string, string>();
  for (const file of sourceFiles(root).sort()) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) =>
      `${relative(repo, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
    const add = (map: Map<string, string>, key: string, node: ts.Node) => {
      if (!map.has(key)) map.set(key, where(node));
    };
    const visit = (node: ts.Node): void => {
      const key = ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) ? node.name : undefined;
      for (const literal of [...(ts.isStringLiteralLike(node) ? [node] : []), ...(key ? [key] : [])]) {
        const text = literal.text;
        if (
          text.length >= 2 &&
          UPPER.test(text) &&
          !ENVIRONMENT.test(text) &&
          !Object.hasOwn(NOT_CODES, text)
        )
          if (!isCompared(literal)) add(codes, text, literal);
      }
      if (
        ts.isTemplateExpression(node) &&
        UPPER_PREFIX.test(node.head.text) &&
        !ENVIRONMENT.test(node.head.text)
      )
        add(families, node.head.text, node);
      for (const literal of lowerCaseCodes(node)) add(codes, literal.text, literal);
      if (ts.isNewExpression(node) && nameOf(node.expression) === "BridgeError") {
        const [status, code] = node.arguments ?? [];
        if (status && ts.isNumericLiteral(status) && code && ts.isStringLiteralLike(code))
          add(refusals, `${code.text} ${status.text}`, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { codes, families, refusals };
}
