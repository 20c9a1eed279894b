import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ParamPlan } from "../../../src/connectors/openapi/index.ts";
import { type Harness, param, planOf, startHarness } from "./execute-harness.ts";

// The values of the OpenAPI specification's style examples table (3.0.4 / 3.1.1, which follow RFC 6570),
// sent to a recording server on 127.0.0.1 so each row checks what actually reaches the wire.
const BLUE = "blue";
const LIST = ["blue", "black", "brown"];
const RGB = { R: 100, G: 200, B: 150 };

let api: Harness;
beforeAll(async () => {
  api = await startHarness();
});
afterAll(() => api.close());
beforeEach(() => api.reset());

type Row = [style: string, explode: boolean, value: unknown, wire: string];

async function send(where: ParamPlan["in"], style: string, explode: boolean, value: unknown) {
  const color = param({ in: where, name: "color", style, explode, required: where === "path" });
  const plan = planOf({ path: where === "path" ? "/p/{color}" : "/q", params: [color] });
  const result = await api.run(plan, "op", { color: value });
  expect(result).toMatchObject({ success: true });
  return api.last();
}

describe("path params", () => {
  it.each<Row>([
    ["simple", false, BLUE, "blue"],
    ["simple", false, LIST, "blue,black,brown"],
    ["simple", false, RGB, "R,100,G,200,B,150"],
    ["simple", true, BLUE, "blue"],
    ["simple", true, LIST, "blue,black,brown"],
    ["simple", true, RGB, "R=100,G=200,B=150"],
    ["label", false, BLUE, ".blue"],
    ["label", false, LIST, ".blue,black,brown"],
    ["label", false, RGB, ".R,100,G,200,B,150"],
    ["label", true, BLUE, ".blue"],
    ["label", true, LIST, ".blue.black.brown"],
    ["label", true, RGB, ".R=100.G=200.B=150"],
    ["matrix", false, "", ";color"],
    ["matrix", false, BLUE, ";color=blue"],
    ["matrix", false, LIST, ";color=blue,black,brown"],
    ["matrix", false, RGB, ";color=R,100,G,200,B,150"],
    ["matrix", true, BLUE, ";color=blue"],
    ["matrix", true, LIST, ";color=blue;color=black;color=brown"],
    ["matrix", true, RGB, ";R=100;G=200;B=150"],
  ])("%s explode=%s: %j → %s", async (style, explode, value, wire) => {
    expect((await send("path", style, explode, value)).url).toBe(`/p/${wire}`);
  });

  it("percent-encodes a value so '/', '?', '#' and spaces stay inside the one segment", async () => {
    const seen = await send("path", "simple", false, "a/b c?d#e;f,g");
    expect(seen.url).toBe("/p/a%2Fb%20c%3Fd%23e%3Bf%2Cg");
  });

  it("sends a value spelling an encoded dot as literal text", async () => {
    expect((await send("path", "simple", false, "%2e%2E")).url).toBe("/p/%252e%252E");
  });

  it("encodes separators inside array items and object values, not between them", async () => {
    expect((await send("path", "simple", true, { "a,b": "c=d" })).url).toBe("/p/a%2Cb=c%3Dd");
    api.reset();
    expect((await send("path", "label", false, ["x.y", "é"])).url).toBe("/p/.x.y,%C3%A9");
  });

  it.each<[string, string]>([
    ["simple", "."],
    ["simple", ".."],
    ["label", ""],
  ])(
    "refuses a %s value %j that would form a dot segment (URL parsing drops it), sending nothing",
    async (style, dots) => {
      const color = param({ in: "path", name: "color", style, required: true });
      const result = await api.run(planOf({ path: "/p/{color}/x", params: [color] }), "op", { color: dots });
      expect(result).toMatchObject({ success: false, errorCode: "INVALID_PARAMS" });
      expect(result.error).toBe('Invalid field(s): color must not be "." or ".."');
      expect(api.server.requests).toHaveLength(0);
    },
  );
});

describe("query params", () => {
  it.each<Row>([
    ["form", true, "", "color="],
    ["form", true, BLUE, "color=blue"],
    ["form", true, LIST, "color=blue&color=black&color=brown"],
    ["form", true, RGB, "R=100&G=200&B=150"],
    ["form", false, BLUE, "color=blue"],
    ["form", false, LIST, "color=blue,black,brown"],
    ["form", false, RGB, "color=R,100,G,200,B,150"],
    ["spaceDelimited", false, LIST, "color=blue%20black%20brown"],
    ["spaceDelimited", false, RGB, "color=R%20100%20G%20200%20B%20150"],
    ["spaceDelimited", true, LIST, "color=blue&color=black&color=brown"],
    ["pipeDelimited", false, LIST, "color=blue%7Cblack%7Cbrown"],
    ["pipeDelimited", false, RGB, "color=R%7C100%7CG%7C200%7CB%7C150"],
    ["pipeDelimited", true, LIST, "color=blue&color=black&color=brown"],
    ["deepObject", true, RGB, "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"],
    [
      "deepObject",
      true,
      { a: { b: 1 }, t: ["x", "y"] },
      "color%5Ba%5D%5Bb%5D=1&color%5Bt%5D=x&color%5Bt%5D=y",
    ],
  ])("%s explode=%s: %j → %s", async (style, explode, value, wire) => {
    expect((await send("query", style, explode, value)).url).toBe(`/q?${wire}`);
  });

  it("leaves out an empty array (RFC 6570: an empty list is undefined) and an absent param", async () => {
    const plan = planOf({
      params: [
        param({ in: "query", name: "tags", style: "form", explode: true }),
        param({ in: "query", name: "q" }),
      ],
    });
    await api.run(plan, "op", { tags: [] });
    expect(api.last().url).toBe("/things");
  });

  it("percent-encodes reserved characters, keys included", async () => {
    expect((await send("query", "form", true, "a&b=c+d #e/f?")).url).toBe(
      "/q?color=a%26b%3Dc%2Bd%20%23e%2Ff%3F",
    );
    api.reset();
    expect((await send("query", "form", true, { "a b": "x&y" })).url).toBe("/q?a%20b=x%26y");
  });

  it("lets reserved characters and %XX triplets through with allowReserved, but not & = + #", async () => {
    const color = param({ in: "query", name: "color", style: "form", explode: true, allowReserved: true });
    await api.run(planOf({ params: [color] }), "op", { color: "a/b:c?d[0]@x,y;z&w=v+u#h %41" });
    expect(api.last().url).toBe("/things?color=a/b:c?d[0]@x,y;z%26w%3Dv%2Bu%23h%20%41");
  });

  it("sends a param described with content as its JSON text", async () => {
    const at = param({ in: "query", name: "coordinates", contentType: "application/json" });
    await api.run(planOf({ params: [at] }), "op", { coordinates: { lat: 1.5, long: -2 } });
    expect(api.last().url).toBe(`/things?coordinates=${encodeURIComponent('{"lat":1.5,"long":-2}')}`);
  });

  it("survives a lone surrogate instead of throwing", async () => {
    expect((await send("query", "form", true, "a\uD800b")).url).toBe("/q?color=a%EF%BF%BDb");
  });
});

describe("header and cookie params", () => {
  it.each<Row>([
    ["simple", false, BLUE, "blue"],
    ["simple", false, LIST, "blue,black,brown"],
    ["simple", false, RGB, "R,100,G,200,B,150"],
    ["simple", true, LIST, "blue,black,brown"],
    ["simple", true, RGB, "R=100,G=200,B=150"],
  ])("header %s explode=%s: %j → %s", async (style, explode, value, wire) => {
    expect((await send("header", style, explode, value)).headers.color).toBe(wire);
  });

  it.each<Row>([
    ["form", true, BLUE, "color=blue"],
    ["form", true, LIST, "color=blue; color=black; color=brown"],
    ["form", true, RGB, "R=100; G=200; B=150"],
    ["form", false, LIST, "color=blue,black,brown"],
    ["form", false, RGB, "color=R,100,G,200,B,150"],
    ["form", false, "a b;c", "color=a%20b%3Bc"],
  ])("cookie %s explode=%s: %j → %s", async (style, explode, value, wire) => {
    expect((await send("cookie", style, explode, value)).headers.cookie).toBe(wire);
  });

  it("combines several cookie params into one Cookie header", async () => {
    const plan = planOf({
      params: [
        param({ in: "cookie", name: "a", style: "form" }),
        param({ in: "cookie", name: "b", style: "form" }),
      ],
    });
    await api.run(plan, "op", { a: "1", b: 2 });
    expect(api.last().headers.cookie).toBe("a=1; b=2");
  });

  it("refuses a header value with a line break, naming the field only", async () => {
    const plan = planOf({
      params: [param({ in: "header", name: "X-Trace", param: "trace", style: "simple" })],
    });
    const result = await api.run(plan, "op", { trace: "ok\r\nX-Evil: 1" });
    expect(result).toEqual({
      success: false,
      errorCode: "INVALID_PARAMS",
      error: "Invalid field(s): trace has characters a header cannot carry",
    });
    expect(api.server.requests).toHaveLength(0);
  });
});
