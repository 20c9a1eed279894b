import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, describe, expect, it } from "vitest";
import {
  createOpenApiImporter,
  type ImportProgress,
  parseOpenApiOffThread,
} from "../../../src/connectors/openapi/index.ts";
import { MAX_PER_TENANT, MAX_WAITING } from "../../../src/connectors/openapi/openapi-importer.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { fixture } from "./fixtures.ts";

/** A generated description of `count` operations, each with a documented body (~1 KiB per operation). */
function generated(count: number): string {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    paths[`/items${i}/{id}`] = {
      put: {
        operationId: `updateItem${i}`,
        summary: `Update item kind ${i}. ${"Lorem ipsum dolor sit amet. ".repeat(12)}`,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
        requestBody: {
          content: {
            "application/json": {
              schema: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
            },
          },
        },
        responses: { 200: { description: "ok" } },
      },
    };
  }
  return JSON.stringify({ openapi: "3.0.3", info: { title: "Items", version: "1.0.0" }, paths });
}

const importer = createOpenApiImporter();
afterAll(() => importer.close());

describe("the OpenAPI importer", () => {
  it("imports in the worker with the same result as on the calling thread, and reports progress", async () => {
    const text = fixture("@octokit/routes/ghe-2.21.json");
    const seen: ImportProgress[] = [];
    const [offThread, inline] = [
      await importer.parse(text, { name: "ghe", onProgress: (p) => seen.push(p) }),
      await parseOpenApi(text, { name: "ghe" }),
    ];
    expect(offThread).toEqual(inline);
    expect(offThread.operations).toHaveLength(546);
    expect(seen.map((p) => p.stage).filter((s, i, all) => all.indexOf(s) === i)).toEqual([
      "parsing",
      "validating",
      "building",
    ]);
    expect(seen).toContainEqual({ stage: "building", done: 500, total: 546 });
  });

  it("keeps the code and message of a refusal made in the worker", async () => {
    const text = generated(500).replace('"openapi":"3.0.3"', '"openapi":"3.0.3","servers":7');
    const inline = await parseOpenApi(text, { field: "spec" }).catch((e: unknown) => e);
    const offThread = await importer.parse(text, { field: "spec" }).catch((e: unknown) => e);
    expect(offThread).toBeInstanceOf(ConnectError);
    expect((offThread as ConnectError).code).toBe(Code.InvalidArgument);
    expect((offThread as ConnectError).rawMessage).toBe((inline as ConnectError).rawMessage);
    expect((offThread as ConnectError).rawMessage).toMatch(/^spec: /);
  });

  it(`runs one import at a time and refuses more than ${MAX_WAITING} waiting`, async () => {
    const text = generated(500);
    const results = await Promise.allSettled(
      Array.from({ length: MAX_WAITING + 3 }, (_, i) => importer.parse(text, { tenant: `tenant-${i}` })),
    );
    const refused = results.filter((r) => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(MAX_WAITING + 1);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConnectError);
      expect(((r as PromiseRejectedResult).reason as ConnectError).code).toBe(Code.ResourceExhausted);
      expect(((r as PromiseRejectedResult).reason as ConnectError).rawMessage).toBe(
        `${MAX_WAITING} OpenAPI imports are already waiting on this server (the most it queues); try again shortly`,
      );
    }
    // The queue drains: a later import is accepted again.
    await expect(importer.parse(text)).resolves.toMatchObject({ name: "items" });
  });

  it(`holds at most ${MAX_PER_TENANT} of one tenant's imports, running or waiting, and gives a place back however one ends`, async () => {
    const text = generated(500);
    const leaving = new AbortController();
    const held = [
      importer.parse(text, { tenant: "a", signal: leaving.signal }).catch((error: unknown) => error),
      importer.parse(text, { tenant: "a" }),
    ];
    const refusal = `this tenant already has ${MAX_PER_TENANT} OpenAPI imports running or waiting (the most one tenant may); try again when one has finished`;
    await expect(importer.parse(text, { tenant: "a" })).rejects.toMatchObject({
      code: Code.ResourceExhausted,
      rawMessage: refusal,
    });
    // Another tenant's import, and one for no tenant (a command), still get a place.
    const others = [importer.parse(text, { tenant: "b" }), importer.parse(text)];
    // A canceled import gives its place back at once.
    leaving.abort();
    expect(await held[0]).toMatchObject({ code: Code.Canceled });
    const again = importer.parse(text, { tenant: "a" });
    await expect(importer.parse(text, { tenant: "a" })).rejects.toMatchObject({ rawMessage: refusal });
    for (const draft of await Promise.all([held[1], again, ...others]))
      expect(draft).toMatchObject({ name: "items" });
    // So does a refused one (the worker answered with an error).
    const bad = text.replace('"openapi":"3.0.3"', '"openapi":"3.0.3","servers":7');
    for (const failed of await Promise.allSettled([0, 1].map(() => importer.parse(bad, { tenant: "a" }))))
      expect(failed).toMatchObject({ status: "rejected", reason: { code: Code.InvalidArgument } });
    await expect(
      Promise.all([importer.parse(text, { tenant: "a" }), importer.parse(text, { tenant: "a" })]),
    ).resolves.toHaveLength(MAX_PER_TENANT);
  });

  it("drops an import whose caller went away, waiting or running, and goes on with the next", async () => {
    const text = generated(500);
    const running = new AbortController();
    const queued = new AbortController();
    const first = importer.parse(text, { signal: running.signal });
    const second = importer.parse(text, { signal: queued.signal });
    const third = importer.parse(text);
    queued.abort();
    running.abort();
    await expect(first).rejects.toMatchObject({ code: Code.Canceled });
    await expect(second).rejects.toMatchObject({ code: Code.Canceled });
    await expect(third).resolves.toMatchObject({ name: "items" });
  });

  it("fails every pending import when the worker is closed, and starts a new worker afterwards", async () => {
    const text = generated(500);
    const pending = [importer.parse(text), importer.parse(text)].map((p) =>
      p.then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    await importer.close();
    for (const error of await Promise.all(pending)) expect(error).toMatchObject({ code: Code.Aborted });
    await expect(importer.parse(text)).resolves.toMatchObject({ name: "items" });
    await importer.close();
  });
});

describe("importers", () => {
  it("share nothing: closing one fails its own imports and leaves another's running", async () => {
    const text = generated(500);
    const first = createOpenApiImporter();
    const second = createOpenApiImporter();
    try {
      const stopped = first.parse(text).catch((error: unknown) => error);
      const kept = second.parse(text);
      await first.close();
      expect(await stopped).toMatchObject({ code: Code.Aborted });
      await expect(kept).resolves.toMatchObject({ name: "items" });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("imports once on a worker of its own with parseOpenApiOffThread", async () => {
    await expect(parseOpenApiOffThread(generated(50), { name: "items" })).resolves.toMatchObject({
      name: "items",
    });
  });
});
