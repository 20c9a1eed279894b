import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { executeOperation, type OpenApiPlan } from "../../../src/connectors/openapi/index.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";
import { startLoopbackServer } from "../../outbound/loopback-server.ts";
import { type Harness, ioOf, param, planOf, startHarness } from "./execute-harness.ts";
import { fixture } from "./fixtures.ts";

const PETSTORE_30 = fixture("@readme/oas-examples/3.0/json/petstore.json");

let api: Harness;
beforeAll(async () => {
  api = await startHarness();
});
afterAll(() => api.close());
beforeEach(() => api.reset());

/** Parses a recorded multipart body the way a server would (undici's FormData parser). */
function formData(body: string, contentType: string | undefined) {
  return new Response(body, { headers: { "content-type": contentType ?? "" } }).formData();
}

describe("URLs", () => {
  it("joins the base URL's path and the operation path, keeping the base URL's query", async () => {
    const plan = planOf({ path: "/pets/{id}", params: [param({ in: "path", name: "id", required: true })] });
    await api.run(plan, "op", { id: 7 }, { baseUrl: `${api.server.origin}/api/v3/` });
    expect(api.last().url).toBe("/api/v3/pets/7");
    api.reset();
    await api.run(
      planOf({ params: [param({ in: "query", name: "q" })] }),
      "op",
      { q: "a" },
      {
        baseUrl: `${api.server.origin}/v1?api-version=2`,
      },
    );
    expect(api.last().url).toBe("/v1/things?api-version=2&q=a");
  });

  it("uses the plan's base URL when the connection has none, and sends the plan's method", async () => {
    const plan = planOf({ method: "DELETE" }, { baseUrl: `${api.server.origin}/root` });
    const result = await executeOperation(
      plan,
      { command: "op", params: {}, config: {}, timeoutMs: 10_000, signal: new AbortController().signal },
      ioOf(api.client),
    );
    expect(result).toEqual({ success: true, payload: { ok: true } });
    expect(api.last()).toMatchObject({ method: "DELETE", url: "/root/things" });
  });

  it.each([undefined, "", "ftp://files.example.com", "/v1", "not a url"])(
    "fails NOT_CONFIGURED for base URL %j, sending nothing",
    async (baseUrl) => {
      const plan = planOf({}, { baseUrl: baseUrl ?? "" });
      const result = await executeOperation(
        plan,
        { command: "op", params: {}, config: {}, timeoutMs: 10_000, signal: new AbortController().signal },
        ioOf(api.client),
      );
      expect(result).toEqual({
        success: false,
        errorCode: "NOT_CONFIGURED",
        error: "the connection's baseUrl is missing or not an http(s) URL",
      });
      expect(api.server.requests).toHaveLength(0);
    },
  );

  it("ignores params the plan does not describe and leaves out absent ones", async () => {
    const plan = planOf({
      params: [param({ in: "query", name: "a" }), param({ in: "header", name: "X-B" })],
    });
    await api.run(plan, "op", { a: 1, extra: "nope" });
    expect(api.last().url).toBe("/things?a=1");
    expect(api.last().headers["x-b"]).toBeUndefined();
  });

  it("fails UNKNOWN_COMMAND for a command the plan lacks", async () => {
    expect(await api.run(planOf({}), "nope", {})).toMatchObject({
      success: false,
      errorCode: "UNKNOWN_COMMAND",
    });
  });
});

describe("bodies", () => {
  const props = [
    param({ in: "body", name: "name", schema: { type: "string" } }),
    param({ in: "body", name: "tags", schema: { type: "array" } }),
    param({ in: "body", name: "address", schema: { type: "object" } }),
    param({ in: "body", name: "note", param: "bodyNote" }),
  ];

  it("sends JSON built from the body params' wire names, absent ones left out", async () => {
    const plan = planOf({
      method: "POST",
      params: props,
      body: { mediaType: "application/json", required: true },
    });
    await api.run(plan, "op", { name: "Rex", bodyNote: "hi", tags: ["a"] });
    expect(api.last().headers["content-type"]).toBe("application/json");
    expect(JSON.parse(api.last().body)).toEqual({ name: "Rex", tags: ["a"], note: "hi" });
  });

  it("sends {} for a required body with no params given, and no body when it is optional", async () => {
    const required = planOf({
      method: "POST",
      params: props,
      body: { mediaType: "application/json", required: true },
    });
    await api.run(required, "op", {});
    expect(api.last().body).toBe("{}");
    api.reset();
    const optional = planOf({
      method: "POST",
      params: props,
      body: { mediaType: "application/json", required: false },
    });
    await api.run(optional, "op", {});
    expect(api.last().body).toBe("");
    expect(api.last().headers["content-type"]).toBeUndefined();
  });

  it("sends a whole-body param as the body, under a +json media type", async () => {
    const whole = param({ in: "body", name: "", param: "body", schema: { type: "array" } });
    const plan = planOf({
      method: "PUT",
      params: [whole],
      body: { mediaType: "application/vnd.api+json", required: true },
    });
    await api.run(plan, "op", { body: [{ id: 1 }, "two"] });
    expect(api.last().headers["content-type"]).toBe("application/vnd.api+json");
    expect(JSON.parse(api.last().body)).toEqual([{ id: 1 }, "two"]);
  });

  it("form-encodes: arrays repeat the key, objects nest with brackets", async () => {
    const plan = planOf({
      method: "POST",
      params: props,
      body: { mediaType: "application/x-www-form-urlencoded", required: false },
    });
    await api.run(plan, "op", {
      name: "R & D = fun",
      tags: ["a", "b"],
      address: { city: "Paris", lines: ["1 rue", "2e"], geo: { lat: 1 } },
    });
    expect(api.last().headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect([...new URLSearchParams(api.last().body)]).toEqual([
      ["name", "R & D = fun"],
      ["tags", "a"],
      ["tags", "b"],
      ["address[city]", "Paris"],
      ["address[lines]", "1 rue"],
      ["address[lines]", "2e"],
      ["address[geo][lat]", "1"],
    ]);
  });

  it("builds multipart/form-data a server can parse: text parts, JSON parts for objects, a part per item", async () => {
    const plan = planOf({
      method: "POST",
      params: props,
      body: { mediaType: "multipart/form-data", required: true },
    });
    await api.run(plan, "op", {
      name: 'Rex "the dog"\r\nline 2',
      tags: ["a", "b"],
      address: { city: "Paris" },
    });
    const type = api.last().headers["content-type"];
    expect(type).toMatch(/^multipart\/form-data; boundary=patchbay-[0-9a-f]{32}$/);
    const form = await formData(api.last().body, type);
    expect(form.get("name")).toBe('Rex "the dog"\r\nline 2');
    expect(form.getAll("tags")).toEqual(["a", "b"]);
    expect(JSON.parse(String(form.get("address")))).toEqual({ city: "Paris" });
    // FormData drops a text part's own Content-Type; the raw part carries it.
    expect(api.last().body).toContain(
      'Content-Disposition: form-data; name="address"\r\nContent-Type: application/json\r\n\r\n{"city":"Paris"}',
    );
  });

  it("sends text/plain and other media types as text", async () => {
    const whole = param({ in: "body", name: "", param: "body" });
    await api.run(
      planOf({ method: "POST", params: [whole], body: { mediaType: "text/plain", required: true } }),
      "op",
      {
        body: 42,
      },
    );
    expect(api.last()).toMatchObject({ body: "42", headers: { "content-type": "text/plain" } });
    api.reset();
    const xml = planOf({
      method: "POST",
      params: [whole],
      body: { mediaType: "application/xml", required: true },
    });
    await api.run(xml, "op", { body: "<pet/>" });
    expect(api.last()).toMatchObject({ body: "<pet/>", headers: { "content-type": "application/xml" } });
  });
});

describe("responses", () => {
  const answer = (status: number, type: string | undefined, body: string) => {
    api.answer = (res) => {
      res.writeHead(status, type !== undefined ? { "content-type": type } : {}).end(body);
    };
  };

  it.each([
    [200, "application/json", '{"id":7}', { id: 7 }],
    [200, "application/json", "[1,2]", { body: [1, 2] }],
    [200, "application/json", "5", { body: 5 }],
    [200, "text/plain", "pong", { body: "pong" }],
    [200, "application/json", "{oops", { body: "{oops" }],
    [201, undefined, "", {}],
    [204, undefined, "", {}],
  ])("HTTP %s %s %j → payload %j", async (status, type, body, payload) => {
    answer(status, type, body);
    expect(await api.run(planOf({ operationId: "getThing" }), "op", {})).toEqual({ success: true, payload });
  });

  it("asks for the success response's media type", async () => {
    await api.run(planOf({ responseMediaType: "application/json" }), "op", {});
    expect(api.last().headers.accept).toBe("application/json");
  });

  it.each([400, 401, 403, 404, 429, 500, 503])(
    "maps HTTP %s to UPSTREAM_HTTP_<status> without the URL or the body",
    async (status) => {
      answer(status, "application/json", '{"message":"user jane@example.com not found"}');
      const plan = planOf({
        operationId: "getUser",
        path: "/users/{id}",
        params: [param({ in: "path", name: "id", required: true })],
      });
      const result = await api.run(plan, "op", { id: "jane-secret-id" });
      expect(result).toEqual({
        success: false,
        errorCode: `UPSTREAM_HTTP_${status}`,
        error: `upstream answered HTTP ${status} to getUser`,
        diagnostics: { status, operationId: "getUser", method: "GET" },
      });
      expect(JSON.stringify(result)).not.toMatch(/jane|users|127\.0\.0\.1/);
    },
  );
});

describe("outbound failures", () => {
  it("fails EGRESS_REFUSED when the client's policy refuses the address, connecting nowhere", async () => {
    const strict = createOutboundClient({ allow: [] });
    try {
      const result = await executeOperation(
        planOf({}),
        {
          command: "op",
          params: {},
          config: { baseUrl: api.server.origin, bearerToken: "tok" },
          timeoutMs: 10_000,
          signal: new AbortController().signal,
        },
        ioOf(strict),
      );
      expect(result).toMatchObject({ success: false, errorCode: "EGRESS_REFUSED" });
      expect(result.error).toMatch(/^Outbound request to 127\.0\.0\.1 refused/);
      expect(api.server.requests).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });

  it("fails NETWORK when nothing listens", async () => {
    const gone = await startLoopbackServer("127.0.0.1", () => undefined);
    const origin = gone.origin;
    await gone.close();
    const result = await api.run(planOf({}), "op", {}, { baseUrl: origin });
    expect(result).toMatchObject({ success: false, errorCode: "NETWORK" });
    expect(result.error).not.toContain("/things");
  });

  it("rethrows the caller's abort instead of turning it into a result", async () => {
    const controller = new AbortController();
    const reason = new Error("run cancelled");
    controller.abort(reason);
    const call = executeOperation(
      planOf({}),
      {
        command: "op",
        params: {},
        config: { baseUrl: api.server.origin },
        timeoutMs: 10_000,
        signal: controller.signal,
      },
      ioOf(api.client),
    );
    await expect(call).rejects.toBe(reason);
  });
});

describe("plans parsed from the Petstore description", () => {
  let petstore: OpenApiPlan;
  beforeAll(async () => {
    petstore = (await parseOpenApi(PETSTORE_30)).openapi;
  });
  const v2 = () => `${api.server.origin}/v2`;

  it("getPetById: path param, api_key header, JSON payload", async () => {
    api.answer = (res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('{"id":7,"name":"Rex"}');
    };
    const result = await api.run(
      petstore,
      "getPetById",
      { petId: 7 },
      { baseUrl: v2(), apiKey: "special-key" },
    );
    expect(result).toEqual({ success: true, payload: { id: 7, name: "Rex" } });
    expect(api.last()).toMatchObject({ method: "GET", url: "/v2/pet/7" });
    expect(api.last().headers).toMatchObject({ api_key: "special-key", accept: "application/json" });
  });

  it("getPetById without the key: MISSING_CREDENTIALS naming apiKey", async () => {
    const result = await api.run(petstore, "getPetById", { petId: 7 }, { baseUrl: v2() });
    expect(result).toEqual({
      success: false,
      errorCode: "MISSING_CREDENTIALS",
      error: "the connection lacks credentials for getPetById: it needs apiKey",
    });
  });

  it("findPetsByStatus: exploded array query with the OAuth token", async () => {
    api.answer = (res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('[{"id":1}]');
    };
    const result = await api.run(
      petstore,
      "findPetsByStatus",
      { status: ["available", "sold"] },
      { baseUrl: v2(), accessToken: "at", tokenType: "bearer" },
    );
    expect(result).toEqual({ success: true, payload: { body: [{ id: 1 }] } });
    expect(api.last().url).toBe("/v2/pet/findByStatus?status=available&status=sold");
    expect(api.last().headers.authorization).toBe("Bearer at");
  });

  it("addPet: JSON body from flattened params, and schema failures before anything is sent", async () => {
    const config = { baseUrl: v2(), accessToken: "at" };
    const bad = await api.run(petstore, "addPet", { name: 5, photoUrls: "x", status: "lost" }, config);
    expect(bad).toEqual({
      success: false,
      errorCode: "INVALID_PARAMS",
      error:
        "Invalid field(s): name must be string; photoUrls must be array; status must be one of the allowed values",
    });
    expect(api.server.requests).toHaveLength(0);
    const ok = await api.run(
      petstore,
      "addPet",
      { name: "Rex", photoUrls: ["https://example.com/rex.png"], category: { id: 1, name: "Dogs" } },
      config,
    );
    expect(ok.success).toBe(true);
    expect(api.last().method).toBe("POST");
    expect(JSON.parse(api.last().body)).toEqual({
      category: { id: 1, name: "Dogs" },
      name: "Rex",
      photoUrls: ["https://example.com/rex.png"],
    });
  });

  it("updatePetWithForm and uploadFile: form and multipart bodies", async () => {
    const config = { baseUrl: v2(), accessToken: "at" };
    await api.run(petstore, "updatePetWithForm", { petId: 3, name: "Rex II", status: "sold" }, config);
    expect(api.last().url).toBe("/v2/pet/3");
    expect(api.last().body).toBe("name=Rex+II&status=sold");
    api.reset();
    await api.run(petstore, "uploadFile", { petId: 3, additionalMetadata: "front view" }, config);
    const form = await formData(api.last().body, api.last().headers["content-type"]);
    expect([...form.keys()]).toEqual(["additionalMetadata"]);
    expect(form.get("additionalMetadata")).toBe("front view");
  });
});
