import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// ExecuteMetadata.return_log_lines over REST against a real server and a real sandbox: a script's log
// lines come back with the answer (success or failure), scrubbed of the execution's secrets and
// redacted like diagnostics, and only when asked for.

const SECRET = "sk-live-4c1f9e7a2b";
const SCHEMA = {
  connectionConfig: { apiKey: { type: "string", required: true, secret: true } },
  commands: {
    talk: { params: ["fail"], paramSchema: { fail: { type: "boolean", default: false } }, outputs: ["ok"] },
  },
};
const SOURCE = `function talk() {
  patchbay.log.info("starting with key " + patchbay.config.apiKey, { step: 1, apiKey: patchbay.config.apiKey, nested: { token: "t-1", count: 2 } });
  console.log("plain", 42);
  patchbay.log.warn("about to answer");
  if (patchbay.params.fail) return { success: false, error: "it failed", diagnostics: { statusCode: 409 } };
  return { success: true, payload: { ok: true } };
}`;

interface Line {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

describe("Execute with return_log_lines", () => {
  let t: TestServer;
  let connectionId = "";

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    expect(
      (
        await call("POST", "/api/v1/connectors", {
          name: "chatty-script",
          executionModel: "script",
          configSchema: SCHEMA,
          scriptSource: SOURCE,
        })
      ).status,
    ).toBe(200);
    const started = await call("POST", "/api/v1/connections", { connectorSlug: "chatty-script" });
    connectionId = (started.json.connection as { id: string }).id;
    expect(
      (
        await call("POST", `/api/v1/connections/${connectionId}/credentials`, {
          credentials: { apiKey: SECRET },
        })
      ).status,
    ).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const execute = (fail: boolean, returnLogLines: boolean) =>
    call("POST", `/api/v1/connections/${connectionId}/execute`, {
      command: "talk",
      params: { fail },
      metadata: { returnLogLines },
    });

  it("answers a success's log lines, oldest first, without the secret", async () => {
    const { status, json } = await execute(false, true);
    expect(status).toBe(200);
    expect(json.payload).toEqual({ ok: true });
    const lines = json.logLines as Line[];
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ["info", "starting with key [redacted]"],
      ["info", "plain 42"],
      ["warn", "about to answer"],
    ]);
    // A script's fields sit under one `fields` key, as in the server log's line.
    expect(lines[0]?.fields).toEqual({
      fields: { step: 1, apiKey: "[redacted]", nested: { token: "[redacted]", count: 2 } },
    });
    expect(JSON.stringify(json)).not.toContain(SECRET);
    // The server log has them too, scrubbed alike.
    const logged = t.logs.lines().filter((line) => line.connector === "chatty-script");
    expect(logged.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["starting with key [redacted]", "about to answer"]),
    );
    expect(t.logs.text()).not.toContain(SECRET);
  });

  it("answers a failure's log lines in its ExecutionFailure detail", async () => {
    const { status, json } = await execute(true, true);
    expect(status).toBe(400);
    const details = json.details as { type: string; debug: { logLines: Line[]; diagnostics: unknown } }[];
    const failure = details.find((detail) => detail.type === "patchbay.v1.ExecutionFailure");
    expect(failure?.debug.diagnostics).toEqual({ statusCode: 409 });
    expect(failure?.debug.logLines.map((line) => line.message)).toEqual([
      "starting with key [redacted]",
      "plain 42",
      "about to answer",
    ]);
    expect(JSON.stringify(json)).not.toContain(SECRET);
  });

  it("answers no log lines unless asked", async () => {
    const success = await execute(false, false);
    expect(success.status).toBe(200);
    expect(success.json.logLines ?? []).toEqual([]);
    const failure = await execute(true, false);
    const details = failure.json.details as { debug: { logLines?: Line[] } }[];
    expect(details[0]?.debug.logLines ?? []).toEqual([]);
  });
});
