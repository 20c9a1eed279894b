import http, { type IncomingHttpHeaders } from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { nodeRequestHeaders } from "../../../src/server/unary/node-request-headers.ts";

// The oracle: the request headers as the fast path used to build them (and as Connect's Node adapter does),
// a `Headers` with every value appended in the header object's order, pseudo-headers left out.
function filled(node: IncomingHttpHeaders): Headers {
  const header = new Headers();
  for (const name in node) {
    if (name.startsWith(":")) continue;
    const value = node[name];
    if (typeof value === "string") header.append(name, value);
    else if (Array.isArray(value)) for (const one of value) header.append(name, one);
  }
  return header;
}

// What a call on each gives: its value, or the error it throws.
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

// Everything a `Headers` shows: its entries in iteration order, each iterator, forEach, the cookies, and
// how a copy is filled in (inspect shows a Headers' list in insertion order, which a fetch sends).
function everything(header: Headers): unknown {
  const each: unknown[] = [];
  header.forEach((value, name, parent) => {
    each.push([name, value, parent === header]);
  });
  return {
    iterated: [...header],
    entries: [...header.entries()],
    keys: [...header.keys()],
    values: [...header.values()],
    each,
    cookies: header.getSetCookie(),
    copy: inspect(new Headers(header)),
    copyIterated: [...new Headers(header)],
    request: [...new Request("http://localhost/", { headers: header }).headers],
    shown: inspect(header),
  };
}

// Node joins repeated cookie headers itself; an array is tried too, as a Headers would take one.
const sample = {
  ":method": "POST",
  ":path": "/patchbay.v1.CatalogService/GetConnector",
  ":authority": "localhost",
  "content-type": "application/grpc",
  te: "trailers",
  "x-request-id": "req-1",
  authorization: "Bearer pb_secret",
  "grpc-accept-encoding": "gzip,identity",
  "user-agent": "connect-es/2.0",
  "set-cookie": ["a=1", "b=2; Path=/"],
  "x-many": ["one", " two ", "three"],
  cookie: ["c=1", "d=2"],
  "x-padded": " \tspaced\t ",
  "x-empty": "",
  "x-none": [],
  "x-undefined": undefined,
  tostring: "a header, not Object.prototype's",
  zeta: "last",
  alpha: "first",
} as unknown as IncomingHttpHeaders;

const names: unknown[] = [
  "content-type",
  "Content-Type",
  "X-REQUEST-ID",
  "authorization",
  "x-api-key",
  "traceparent",
  "set-cookie",
  "Set-Cookie",
  "x-many",
  "cookie",
  "x-padded",
  "x-empty",
  "x-none",
  "x-undefined",
  ":path",
  ":authority",
  "constructor",
  "toString",
  "__proto__",
  "hasOwnProperty",
  "bad name",
  "",
  "x-\u00e9",
  "\u212Authorization", // the Kelvin sign lower-cases to "k"; a Headers refuses it
  "\u{1F600}",
  42,
  null,
  undefined,
];

describe("nodeRequestHeaders", () => {
  it("is a Headers", () => {
    const header = nodeRequestHeaders(sample);
    expect(header).toBeInstanceOf(Headers);
    expect(Object.prototype.toString.call(header)).toBe("[object Headers]");
  });

  it("answers get and has as the filled Headers does, for any name", () => {
    for (const name of names) {
      const oracle = filled(sample);
      const lazy = nodeRequestHeaders(sample);
      expect(
        outcome(() => lazy.get(name as string)),
        `get(${String(name)})`,
      ).toEqual(outcome(() => oracle.get(name as string)));
      expect(
        outcome(() => lazy.has(name as string)),
        `has(${String(name)})`,
      ).toEqual(outcome(() => oracle.has(name as string)));
      // Once more after the first answer (which may have filled it in).
      expect(lazy.get("content-type")).toBe(oracle.get("content-type"));
    }
    // Called without an argument.
    const oracle = filled(sample) as unknown as { get(): unknown; has(): unknown };
    const lazy = nodeRequestHeaders(sample) as unknown as { get(): unknown; has(): unknown };
    expect(outcome(() => lazy.get())).toEqual(outcome(() => oracle.get()));
    expect(outcome(() => lazy.has())).toEqual(outcome(() => oracle.has()));
  });

  it("joins repeated values and keeps set-cookie apart, as Headers does", () => {
    const lazy = nodeRequestHeaders(sample);
    expect(lazy.get("set-cookie")).toBe("a=1, b=2; Path=/");
    expect(lazy.get("x-many")).toBe("one, two, three");
    expect(lazy.get("cookie")).toBe("c=1; d=2");
    expect(lazy.get("x-padded")).toBe("spaced");
    expect(lazy.get("x-empty")).toBe("");
    expect(lazy.has("x-none")).toBe(false);
    expect(lazy.getSetCookie()).toEqual(["a=1", "b=2; Path=/"]);
  });

  it("reads Node's object for get and has, and fills in only for anything else", () => {
    const node: IncomingHttpHeaders = { ...sample };
    const lazy = nodeRequestHeaders(node);
    lazy.get("authorization");
    lazy.get("traceparent");
    lazy.has("x-patchbay-bridge");
    node["x-late"] = "seen";
    expect(lazy.get("x-late")).toBe("seen");
    expect(lazy.has("X-Late")).toBe(true);
    // Filled in now: later changes to Node's object are not seen.
    expect([...lazy.keys()]).toContain("x-late");
    node["x-later"] = "unseen";
    expect(lazy.has("x-later")).toBe(false);
  });

  it("shows the same headers, in the same order, as the filled Headers", () => {
    expect(everything(nodeRequestHeaders(sample))).toEqual(everything(filled(sample)));
    // Whichever comes first fills it in.
    const first: ((h: Headers) => unknown)[] = [
      (h) => [...h],
      (h) => [...h.entries()],
      (h) => [...h.keys()],
      (h) => [...h.values()],
      (h) => h.forEach(() => {}),
      (h) => h.getSetCookie(),
      (h) => inspect(h),
      (h) => inspect(new Headers(h)),
      (h) => new Response(null, { headers: h }).headers.get("zeta"),
    ];
    for (const use of first) {
      const lazy = nodeRequestHeaders(sample);
      const oracle = filled(sample);
      expect(use(lazy)).toEqual(use(oracle));
      expect(everything(lazy)).toEqual(everything(oracle));
    }
  });

  it("fills in before a change, then behaves as the filled Headers", () => {
    const changes: ((h: Headers) => void)[] = [
      (h) => h.set("x-request-id", "changed"),
      (h) => h.set("Set-Cookie", "only=1"),
      (h) => h.append("x-many", "four"),
      (h) => h.append("set-cookie", "c=3"),
      (h) => h.append("cookie", "e=5"),
      (h) => h.append("new-one", " padded "),
      (h) => h.delete("authorization"),
      (h) => h.delete("Set-Cookie"),
      (h) => h.delete("absent"),
    ];
    for (const change of changes) {
      const lazy = nodeRequestHeaders(sample);
      const oracle = filled(sample);
      change(lazy);
      change(oracle);
      expect(everything(lazy)).toEqual(everything(oracle));
      for (const name of names) {
        expect(outcome(() => lazy.get(name as string))).toEqual(outcome(() => oracle.get(name as string)));
        expect(outcome(() => lazy.has(name as string))).toEqual(outcome(() => oracle.has(name as string)));
      }
    }
    // A refused change throws as it does on a Headers.
    for (const change of [
      (h: Headers) => h.set("bad name", "x"),
      (h: Headers) => h.append("x-a", "line\nbreak"),
      (h: Headers) => h.delete(":path"),
      (h: Headers) => (h as unknown as { set(): void }).set(),
    ]) {
      expect(outcome(() => change(nodeRequestHeaders(sample)))).toEqual(
        outcome(() => change(filled(sample))),
      );
    }
  });

  it("answers as the filled Headers does for the headers Node parses from HTTP/1.1 and HTTP/2", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const h1 = http.createServer((req, res) => {
      seen.push(req.headers);
      res.end();
    });
    const h2 = http2.createServer((req, res) => {
      seen.push(req.headers);
      res.end();
    });
    try {
      await new Promise<void>((resolve) => h1.listen(0, "127.0.0.1", resolve));
      await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
      const h1Port = (h1.address() as AddressInfo).port;
      const h2Port = (h2.address() as AddressInfo).port;
      // Repeated, mixed-case and padded headers, as raw bytes (a client library would tidy them).
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(h1Port, "127.0.0.1", () =>
          socket.end(
            [
              "POST /x HTTP/1.1",
              "Host: localhost",
              "Content-Type: application/grpc-web",
              "X-Request-Id:   padded   ",
              "Set-Cookie: a=1",
              "set-cookie: b=2",
              "X-Dup: one",
              "x-dup: two",
              "Cookie: c=1",
              "Cookie: d=2",
              "Authorization: Bearer one",
              "Authorization: Bearer two",
              "Content-Length: 0",
              "Connection: close",
              "",
              "",
            ].join("\r\n"),
          ),
        );
        socket.on("error", reject);
        socket.on("close", () => resolve());
        socket.resume();
      });
      await new Promise<void>((resolve, reject) => {
        const session = http2.connect(`http://127.0.0.1:${h2Port}`);
        session.on("error", reject);
        const stream = session.request({
          ":method": "POST",
          ":path": "/x",
          "content-type": "application/grpc",
          "set-cookie": ["a=1", "b=2"],
          "x-dup": ["one", "two"],
          cookie: ["c=1", "d=2"],
          "x-request-id": "h2",
        });
        stream.on("response", () => {});
        stream.resume();
        stream.on("end", () => {
          session.close();
          resolve();
        });
        stream.on("error", reject);
        stream.end();
      });
      expect(seen).toHaveLength(2);
      for (const node of seen) {
        for (const name of [...names, ...Object.keys(node)]) {
          const lazy = nodeRequestHeaders(node);
          const oracle = filled(node);
          expect(outcome(() => lazy.get(name as string))).toEqual(outcome(() => oracle.get(name as string)));
          expect(outcome(() => lazy.has(name as string))).toEqual(outcome(() => oracle.has(name as string)));
        }
        expect(everything(nodeRequestHeaders(node))).toEqual(everything(filled(node)));
      }
    } finally {
      await new Promise((resolve) => h1.close(resolve));
      await new Promise((resolve) => h2.close(resolve));
    }
  });
});
