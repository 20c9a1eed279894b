import { describe, expect, it } from "vitest";
import { createLogger, createUnredactedLogger, REDACT_PATHS } from "../../src/logging/logger.ts";
import { LogCapture } from "../support/log-capture.ts";

function jsonLogger(level = "info") {
  const capture = new LogCapture();
  return { capture, logger: createLogger({ level, format: "json", destination: capture.stream }) };
}

/** Builds an object with `value` at `path` (a redaction path), putting `w` where the path has a wildcard. */
function objectAt(path: string, value: string): Record<string, unknown> {
  const segments = path
    .replace(/\["([^"]+)"\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "")
    .map((s) => (s === "*" ? "w" : s));
  let result: Record<string, unknown> = {};
  let inner: unknown = value;
  for (const segment of segments.reverse()) {
    result = { [segment]: inner };
    inner = result;
  }
  return result;
}

describe("createLogger (json)", () => {
  it("writes one JSON line with level label, service, ISO time and message", () => {
    const { capture, logger } = jsonLogger();
    logger.info({ connector: "stripe" }, "synced");
    const [line, ...rest] = capture.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: "info", service: "patchbay", connector: "stripe", msg: "synced" });
    expect(typeof line?.time).toBe("string");
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it("redacts secrets at every depth Patchbay logs, and keeps the other fields", () => {
    const { capture, logger } = jsonLogger();
    logger.info({ token: "SECRET-top-token", user: "alice" }, "top level");
    logger.info({ credentials: { apiKey: "SECRET-cred-key", region: "eu" } }, "credentials object");
    logger.info(
      {
        headers: {
          authorization: "Bearer SECRET-authz",
          "x-api-key": "SECRET-x-api-key",
          cookie: "session=SECRET-cookie",
          accept: "application/json",
        },
      },
      "headers",
    );
    logger.warn({ err: { cause: { password: "SECRET-password", attempt: 3 } } }, "nested cause");
    logger.info({ a: { b: { c: { clientSecret: "SECRET-client", clientId: "client-123" } } } }, "deep");
    const text = capture.text();
    for (const secret of [
      "SECRET-top-token",
      "SECRET-cred-key",
      "SECRET-authz",
      "SECRET-x-api-key",
      "SECRET-cookie",
      "SECRET-password",
      "SECRET-client",
    ]) {
      expect(text).not.toContain(secret);
    }
    const lines = capture.lines();
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ token: "[redacted]", user: "alice" });
    expect(lines[1]).toMatchObject({ credentials: "[redacted]" });
    expect(lines[2]).toMatchObject({
      headers: {
        authorization: "[redacted]",
        "x-api-key": "[redacted]",
        cookie: "[redacted]",
        accept: "application/json",
      },
    });
    expect(lines[3]).toMatchObject({ err: { cause: { password: "[redacted]", attempt: 3 } } });
    expect(lines[4]).toMatchObject({
      a: { b: { c: { clientSecret: "[redacted]", clientId: "client-123" } } },
    });
  });

  it("does not change the object that was logged", () => {
    const { logger } = jsonLogger();
    const fields = { headers: { authorization: "Bearer abc" } };
    logger.info(fields, "request");
    expect(fields.headers.authorization).toBe("Bearer abc");
  });

  it.each(REDACT_PATHS)("applies the redaction path %s", (path) => {
    const { capture, logger } = jsonLogger();
    logger.info(objectAt(path, "SECRET-value-0451"), "line");
    const text = capture.text();
    expect(text).toContain('"msg":"line"');
    expect(text).not.toContain("SECRET-value-0451");
    expect(text).toContain("[redacted]");
  });

  it("leaves out lines below the level", () => {
    const { capture, logger } = jsonLogger("info");
    logger.debug("debug detail");
    logger.info("info line");
    logger.error("error line");
    expect(capture.lines().map((line) => [line.level, line.msg])).toEqual([
      ["info", "info line"],
      ["error", "error line"],
    ]);
  });

  it("writes debug lines at level debug", () => {
    const { capture, logger } = jsonLogger("debug");
    logger.trace("trace detail");
    logger.debug("debug detail");
    expect(capture.lines().map((line) => line.msg)).toEqual(["debug detail"]);
  });

  it("writes nothing at level silent", () => {
    const { capture, logger } = jsonLogger("silent");
    logger.fatal("fatal line");
    expect(capture.text()).toBe("");
  });
});

describe("createUnredactedLogger", () => {
  it("writes to its parent's destination at its level, leaving the parent's redaction in place", () => {
    const { capture, logger } = jsonLogger("info");
    const plain = createUnredactedLogger(logger);
    plain.debug({ reqId: "r0" }, "below the level");
    plain.info({ reqId: "r1", procedure: "/patchbay.v1.CatalogService/GetConnector" }, "request");
    logger.error({ reqId: "r2", err: { token: "SECRET-parent-token" } }, "request failed");
    expect(capture.lines()).toEqual([
      expect.objectContaining({ level: "info", service: "patchbay", reqId: "r1", msg: "request" }),
      expect.objectContaining({ level: "error", reqId: "r2", err: { token: "[redacted]" } }),
    ]);
    expect(capture.text()).not.toContain("SECRET-parent-token");
  });
});

describe("createLogger (pretty)", () => {
  it("writes readable text with secrets redacted", () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "info", format: "pretty", destination: capture.stream });
    logger.info({ token: "SECRET-pretty-token", user: "alice" }, "pretty line");
    const text = capture.text();
    expect(text).toContain("pretty line");
    expect(text).toContain("alice");
    expect(text).toContain("[redacted]");
    expect(text).not.toContain("SECRET-pretty-token");
    expect(() => JSON.parse(text)).toThrow();
  });
});
