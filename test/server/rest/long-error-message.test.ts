import http from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_HEADER } from "../../../src/protocol/headers.ts";
import { collectBindings, type HttpBinding } from "../../../src/server/rest/http-rules.ts";
import { isRawBody } from "../../../src/server/rest/request-json.ts";
import { createRestBridge } from "../../../src/server/rest/rest-bridge.ts";
import { REST_SERVICES } from "../../../src/server/routes.ts";

// Error messages as long as a parse-oas failure (over 200 characters, some not ASCII): the header copy
// of each is truncated to ASCII, on every REST route the API has. A "…" there used to turn them into 500s.
const MESSAGES: Record<string, { text: string; truncated: boolean }> = {
  "ASCII, 300 characters": { text: `${"x".repeat(299)}!`, truncated: true },
  "mixed, 312 characters": { text: "Schéma « ungültig » — 無効 ".repeat(12), truncated: true },
  "only non-ASCII": { text: `«${"日本".repeat(150)}»`, truncated: false },
  "non-ASCII, short": { text: "naïve « quoted » — ok", truncated: false },
};
const BINDINGS = collectBindings(REST_SERVICES);

function urlOf(binding: HttpBinding): string {
  const { segments, variables, verb } = binding.template;
  const parts: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const variable = variables.find((v) => v.start === i);
    const segment = segments[i];
    if (variable !== undefined) i = variable.end - 1;
    parts.push(variable === undefined && segment?.kind === "literal" ? segment.value : "x");
  }
  return `/${parts.join("/")}${verb === undefined ? "" : `:${verb}`}`;
}

describe("REST errors with long messages", () => {
  let server: http.Server;
  let origin: string;
  const thrown = { message: "" };

  beforeAll(async () => {
    // Every RPC fails with `thrown.message` before its (absent) implementation runs.
    const router = createConnectRouter({
      interceptors: [
        () => async () => {
          throw new ConnectError(thrown.message, Code.FailedPrecondition);
        },
      ],
    });
    for (const service of REST_SERVICES) router.service(service, {});
    const bridge = createRestBridge({
      handlers: router.handlers,
      services: REST_SERVICES,
      maxBodyBytes: 1 << 20,
      logger: pino({ level: "silent" }),
    });
    server = http.createServer((req, res) => bridge.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("covers every route", () => {
    expect(BINDINGS.length).toBeGreaterThan(30);
  });

  describe.each(Object.entries(MESSAGES))("%s", (_, { text: message, truncated }) => {
    it.each(BINDINGS.map((b) => [`${b.httpMethod} ${b.template.source}`, b] as const))(
      "%s answers the error's status with an ASCII x-patchbay-error",
      async (_, binding) => {
        thrown.message = message;
        const raw = isRawBody(binding.method.input, binding.body);
        const res = await fetch(`${origin}${urlOf(binding)}`, {
          method: binding.httpMethod,
          headers: { "content-type": raw ? "text/plain" : "application/json" },
          ...(binding.body === "" ? {} : { body: raw ? "raw" : "{}" }),
        });
        expect(res.status).toBe(400);
        const header = res.headers.get(ERROR_HEADER) ?? "";
        expect(header).toMatch(/^[\x20-\x7e]{1,200}$/);
        expect(header.endsWith("...")).toBe(truncated);
        expect(await res.json()).toMatchObject({ code: "failed_precondition", message });
      },
    );
  });
});
