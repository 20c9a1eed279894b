import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { type Harness, param, planOf, startHarness } from "./execute-harness.ts";

const RESERVED = [
  "Host",
  "Content-Length",
  "Connection",
  "Transfer-Encoding",
  "Keep-Alive",
  "Upgrade",
  "TE",
  "Trailer",
  "Proxy-Authorization",
  "proxy-connection",
  "Cookie",
  "Accept",
  "content-type",
  "Authorization",
];

/** A document whose one operation (GET /things) has these header params and these security schemes. */
function doc(headers: string[], securitySchemes: object = {}): object {
  return {
    openapi: "3.0.3",
    info: { title: "Headers", version: "1.0.0" },
    servers: [{ url: "https://api.example.com" }],
    components: { securitySchemes },
    paths: {
      "/things": {
        get: {
          operationId: "op",
          parameters: headers.map((name) => ({ name, in: "header", schema: { type: "string" } })),
          responses: { 200: { description: "ok" } },
        },
      },
    },
  };
}

let api: Harness;
beforeAll(async () => {
  api = await startHarness();
});
afterAll(() => api.close());
beforeEach(() => api.reset());

describe("header params at import", () => {
  it("skips headers the HTTP client or Patchbay sets, with a warning each (Accept silently)", async () => {
    const draft = await parseOpenApi(doc([...RESERVED, "X-Request-Id"]));
    expect(draft.openapi.operations.op?.params.map((p) => p.name)).toEqual(["X-Request-Id"]);
    expect(draft.configSchema.commands?.op?.params).toEqual(["X-Request-Id"]);
    // OpenAPI says Accept header params are ignored; descriptions declare one on every operation.
    expect(draft.warnings).toEqual(
      RESERVED.filter((name) => name !== "Accept").map(
        (name) => `GET /things: header parameter '${name}' is set by Patchbay and was skipped`,
      ),
    );
  });

  it("skips a header param whose name is not an RFC 9110 token, with a warning", async () => {
    const draft = await parseOpenApi(doc(["X Key", "X-Key:", "Ünicode", "X-Key"]));
    expect(draft.openapi.operations.op?.params.map((p) => p.name)).toEqual(["X-Key"]);
    expect(draft.warnings).toEqual([
      "GET /things: header parameter 'X Key' is not a valid header name and was skipped",
      "GET /things: header parameter 'X-Key:' is not a valid header name and was skipped",
      "GET /things: header parameter 'Ünicode' is not a valid header name and was skipped",
    ]);
  });
});

describe("API key schemes at import", () => {
  it("skips an API key header that is reserved or not a token; the scheme is then unsupported", async () => {
    const draft = await parseOpenApi(
      doc([], {
        hostKey: { type: "apiKey", in: "header", name: "Host" },
        cookieKey: { type: "apiKey", in: "header", name: "Cookie" },
        spaceKey: { type: "apiKey", in: "header", name: "X Key" },
        authKey: { type: "apiKey", in: "header", name: "Authorization" },
        okKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        queryKey: { type: "apiKey", in: "query", name: "api key" },
      }),
    );
    expect(Object.keys(draft.openapi.securitySchemes)).toEqual(["authKey", "okKey", "queryKey"]);
    expect(Object.keys(draft.configSchema.connectionConfig ?? {})).toEqual([
      "baseUrl",
      "authKey",
      "okKey",
      "queryKey",
    ]);
    expect(draft.warnings).toEqual([
      "security scheme 'hostKey': API key header 'Host' is set by Patchbay; the scheme is not supported and was skipped",
      "security scheme 'cookieKey': API key header 'Cookie' is set by Patchbay; the scheme is not supported and was skipped",
      "security scheme 'spaceKey': API key header 'X Key' is not a valid header name; the scheme is not supported and was skipped",
    ]);
  });
});

describe("header params at execution", () => {
  it("never sends a document's Host param", async () => {
    const { openapi } = await parseOpenApi(doc(["Host", "X-Request-Id"]));
    const result = await api.run(openapi, "op", { Host: "evil.example", "X-Request-Id": "r-1" });
    expect(result).toEqual({ success: true, payload: { ok: true } });
    expect(api.last().headers.host).toBe(`127.0.0.1:${api.server.port}`);
    expect(api.last().headers["x-request-id"]).toBe("r-1");
  });

  it("ignores reserved and malformed header params a stored plan still holds", async () => {
    const plan = planOf({
      params: [
        param({ in: "header", name: "Host", style: "simple" }),
        param({ in: "header", name: "Transfer-Encoding", style: "simple" }),
        param({ in: "header", name: "Accept", style: "simple" }),
        param({ in: "header", name: "X Key", style: "simple" }),
        param({ in: "header", name: "X-Ok", style: "simple" }),
      ],
    });
    const result = await api.run(plan, "op", {
      Host: "evil.example",
      "Transfer-Encoding": "chunked",
      Accept: "text/evil",
      "X Key": "v",
      "X-Ok": "ok",
    });
    expect(result).toEqual({ success: true, payload: { ok: true } });
    const { headers } = api.last();
    expect(headers.host).toBe(`127.0.0.1:${api.server.port}`);
    expect(headers["transfer-encoding"]).toBeUndefined();
    expect(headers.accept).not.toBe("text/evil");
    expect(headers["x-ok"]).toBe("ok");
  });
});
