import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { MAX_PER_TENANT, MAX_WAITING } from "../../src/connectors/openapi/openapi-importer.ts";
import { fixture } from "../connectors/openapi/fixtures.ts";
import { startHeldUpstream } from "../support/held-upstream.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PETSTORE = fixture("@readme/oas-examples/3.0/json/petstore.json");

/** A one-operation description whose body schema is `schemas` S0; each schema is given as `(i) => …`. */
function described(title: string, schemas: Record<string, unknown>): string {
  return JSON.stringify({
    openapi: "3.0.3",
    info: { title, version: "1.0.0" },
    servers: [{ url: "https://api.example.com" }],
    paths: {
      "/a": {
        post: {
          operationId: "a",
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/S0" } } } },
          responses: { "200": { description: "ok" } },
        },
      },
    },
    components: { schemas },
  });
}

/** Schemas S0 … S`depth`, each referencing the next twice: a few KB, 2^depth schemas once dereferenced. */
function fanOut(depth: number, title = "fan-out"): string {
  const schemas: Record<string, unknown> = {};
  const next = (i: number) => ({ $ref: `#/components/schemas/S${i + 1}` });
  for (let i = 0; i < depth; i++)
    schemas[`S${i}`] = { type: "object", properties: { l: next(i), r: next(i) } };
  schemas[`S${depth}`] = { type: "string" };
  return described(title, schemas);
}

/** How a call ended, with the code and message of a refusal. */
type Outcome = { ok: true } | { ok: false; code: Code; message: string };

function outcome(call: Promise<unknown>): Promise<Outcome> {
  return call.then(
    () => ({ ok: true }),
    (error: unknown) => {
      const e = ConnectError.from(error);
      return { ok: false, code: e.code, message: e.rawMessage };
    },
  );
}

describe("OpenAPI imports share the import worker fairly (over the wire)", () => {
  let t: TestServer;
  let mallory = "";
  let alice = "";
  const client = () => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const parseOas = (key: string, document: string) =>
    fetch(`${t.url}/api/v1/connectors/parse-oas`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ document }),
    });

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    mallory = await t.createKey(["catalog:read", "catalog:write"], "mallory", "tenant-b");
    alice = await t.createKey(["catalog:read", "catalog:write"], "alice", "tenant-a");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("refuses a 5 KB description that dereferences to 2^40 schemas with 400, while another tenant's import goes through", async () => {
    const hostile = fanOut(40);
    expect(hostile.length).toBeLessThan(6_000);
    // The hostile import first: had it reached the worker, the other would wait behind it.
    const refused = parseOas(mallory, hostile);
    const other = parseOas(alice, PETSTORE);
    const [bad, good] = await Promise.all([refused, other]);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toMatch(
      /^document: the description is too large once its \$refs are resolved: validating it would walk more than [\d,]+ values/,
    );
    expect(good.status).toBe(200);
    expect(((await good.json()) as { draft: { name: string } }).draft.name).toBe("swagger-petstore");
  }, 120_000);

  it(`refuses a tenant's import past its ${MAX_PER_TENANT} running or waiting, while another tenant's import gets a place`, async () => {
    // Imports that hold the worker for a while (a fan-out within the limits: ~0.5 million values).
    const slow = fanOut(16, "slow");
    const catalog = client();
    await catalog.createConnector(
      { name: "mallory-existing", executionModel: "openapi", openapiDocument: PETSTORE },
      as(mallory),
    );
    // Every catalog RPC that imports counts: ParseOpenApi, CreateConnector, UpdateConnector.
    const flood: Promise<Outcome>[] = [];
    for (let i = 0; i < MAX_WAITING + 3; i++) {
      if (i % 3 === 0)
        flood.push(outcome(catalog.parseOpenApi({ source: { case: "document", value: slow } }, as(mallory))));
      else if (i % 3 === 1)
        flood.push(
          outcome(
            catalog.createConnector(
              { name: `mallory-${i}`, executionModel: "openapi", openapiDocument: slow },
              as(mallory),
            ),
          ),
        );
      else
        flood.push(
          outcome(
            catalog.updateConnector(
              { slug: "mallory-existing", openapiDocument: slow, autoBump: true },
              as(mallory),
            ),
          ),
        );
    }
    // Once the first of them is refused, the tenant's places are taken: another tenant asks then.
    await new Promise<void>((resolve) => {
      for (const call of flood) void call.then((o) => (o.ok ? undefined : resolve()));
      void Promise.all(flood).then(() => resolve());
    });
    const other = await outcome(
      catalog.createConnector(
        { name: "alice-petstore", executionModel: "openapi", openapiDocument: PETSTORE },
        as(alice),
      ),
    );
    expect(other).toEqual({ ok: true });

    const outcomes = await Promise.all(flood);
    const refused = outcomes.filter((o) => !o.ok);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(MAX_PER_TENANT);
    expect(refused).toHaveLength(MAX_WAITING + 3 - MAX_PER_TENANT);
    for (const r of refused)
      expect(r).toEqual({
        ok: false,
        code: Code.ResourceExhausted,
        message: `this tenant already has ${MAX_PER_TENANT} OpenAPI imports running or waiting (the most one tenant may); try again when one has finished`,
      });
    // Its places are given back once its imports end.
    await expect(
      catalog.parseOpenApi({ source: { case: "document", value: slow } }, as(mallory)),
    ).resolves.toMatchObject({ draft: { name: "slow" } });
  }, 120_000);

  it(`fetches a tenant's description URLs only while it has a place: past ${MAX_PER_TENANT}, refused before any request`, async () => {
    const upstream = await startHeldUpstream();
    try {
      const catalog = client();
      const fromUrl = (key: string, tag: string) =>
        outcome(
          catalog.parseOpenApi({ source: { case: "url", value: `${upstream.url}?tag=${tag}` } }, as(key)),
        );
      /** Waits until the upstream has seen `n` requests (the fetches are held there until released). */
      const seen = async (n: number) => {
        while (upstream.requests.length < n) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      const held = Array.from({ length: MAX_PER_TENANT }, (_, i) => fromUrl(mallory, `mallory-${i}`));
      await seen(MAX_PER_TENANT);
      // Every place is taken by a fetch: more are refused at once, and their URLs are never requested.
      for (let i = 0; i < 5; i++)
        expect(await fromUrl(mallory, `mallory-extra-${i}`)).toEqual({
          ok: false,
          code: Code.ResourceExhausted,
          message: `this tenant already has ${MAX_PER_TENANT} OpenAPI imports running or waiting (the most one tenant may); try again when one has finished`,
        });
      // Another tenant's fetch still gets its place.
      const other = fromUrl(alice, "alice");
      await seen(MAX_PER_TENANT + 1);
      expect([...upstream.arrived].sort()).toEqual(
        ["alice", ...Array.from({ length: MAX_PER_TENANT }, (_, i) => `mallory-${i}`)].sort(),
      );
      // Released, each held fetch ends its import (the upstream answers "{}", not a description).
      upstream.release();
      for (const o of await Promise.all([...held, other]))
        expect(o).toMatchObject({ ok: false, code: Code.InvalidArgument });
      // The places are given back.
      await expect(
        catalog.parseOpenApi({ source: { case: "document", value: PETSTORE } }, as(mallory)),
      ).resolves.toMatchObject({ draft: { name: "swagger-petstore" } });
      expect(upstream.requests).toHaveLength(MAX_PER_TENANT + 1);
    } finally {
      await upstream.close();
    }
  }, 120_000);

  it("imports schemas that are only $refs to each other (A → B → A) as accepting any value, with a warning", async () => {
    const cycle = described("cycle", {
      S0: { $ref: "#/components/schemas/S1" },
      S1: { $ref: "#/components/schemas/S0" },
    });
    const res = await parseOas(alice, cycle);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      draft: { operations: Array<{ command: string }> };
      warnings: string[];
    };
    expect(body.draft.operations.map((o) => o.command)).toEqual(["a"]);
    expect(body.warnings).toEqual([
      "schema reference #/components/schemas/S0 resolves to nothing; any value is accepted there",
    ]);
  });
});
