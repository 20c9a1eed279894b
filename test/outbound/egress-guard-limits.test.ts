import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEgressGuard,
  createEgressPolicy,
  createOutboundClient,
  GUARD_MAX_RESPONSE_BYTES,
  instrumentOutbound,
  OutboundError,
} from "../../src/outbound/index.ts";
import { compressedSpaces, type FloodServer, startFloodServer } from "../support/flood-server.ts";

// The guard's fetch (OAuth token endpoints, the OpenAPI client-credentials token) against a loopback
// upstream that answers more than anyone should read. Only loopback traffic.

const CAP = 1000;
const MIB = 1024 * 1024;
const policy = createEgressPolicy(["127.0.0.1/32"]);
const noDns = () => Promise.resolve([]);
const guard = createEgressGuard(policy, noDns).withMaxResponseBytes(CAP);
const defaults = createEgressGuard(policy, noDns);

let upstream: FloodServer;
/** Each encoding's body: 10 MiB of spaces packed (a few KiB), declared with its packed length. */
const packed = new Map<string, Buffer>();

beforeAll(async () => {
  for (const encoding of ["gzip", "deflate", "br"] as const)
    packed.set(encoding, await compressedSpaces(encoding, 10 * MIB));
  upstream = await startFloodServer((req, res, flood) => {
    const url = new URL(req.url ?? "/", "http://x");
    const size = Number(url.searchParams.get("size") ?? 0);
    if (url.pathname === "/exact") {
      // Without a length: the guard counts.
      res.writeHead(200);
      flood(res, size);
    } else if (url.pathname === "/declared") {
      // Announces more than it sends and never ends: only a refusal before reading can answer.
      res.writeHead(200, { "content-length": String(size) });
      res.write(" ");
    } else if (url.pathname === "/endless") {
      res.writeHead(200);
      flood(res, 200 * MIB);
    } else if (url.pathname.startsWith("/packed/")) {
      const encoding = url.pathname.slice("/packed/".length);
      const body = packed.get(encoding) ?? Buffer.alloc(0);
      const length = url.searchParams.has("length") ? { "content-length": String(body.length) } : {};
      res.writeHead(200, { "content-encoding": encoding, ...length });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
});
afterAll(async () => {
  await Promise.all([guard.close(), defaults.close(), upstream.close()]);
});

/** What reading `url` whole through `fetch` ends with: its length, or the OutboundError code and text. */
async function readWhole(fetch: typeof globalThis.fetch, url: string): Promise<number | string> {
  try {
    return (await (await fetch(url)).arrayBuffer()).byteLength;
  } catch (error) {
    if (error instanceof OutboundError) return `${error.code}: ${error.message}`;
    throw error;
  }
}

/** Waits for the connection of the last request to close; the test's timeout is the only clock. */
async function closedAfter(path: string): Promise<void> {
  const last = upstream.requests.at(-1);
  expect(last?.path.startsWith(path)).toBe(true);
  await last?.closed;
}

const refusal = (cap: number) => `TOO_LARGE: Outbound response from 127.0.0.1 is larger than ${cap} bytes`;

describe("egress guard fetch: response size cap", () => {
  it("reads an answer of exactly the cap, and refuses one byte more", async () => {
    expect(await readWhole(guard.fetch, `${upstream.origin}/exact?size=${CAP}`)).toBe(CAP);
    expect(await readWhole(guard.fetch, `${upstream.origin}/exact?size=${CAP + 1}`)).toBe(refusal(CAP));
  });

  it("caps at 256 KiB unless told otherwise", async () => {
    expect(GUARD_MAX_RESPONSE_BYTES).toBe(256 * 1024);
    const cap = GUARD_MAX_RESPONSE_BYTES;
    expect(await readWhole(defaults.fetch, `${upstream.origin}/exact?size=${cap}`)).toBe(cap);
    expect(await readWhole(defaults.fetch, `${upstream.origin}/exact?size=${cap + 1}`)).toBe(refusal(cap));
  });

  it("refuses a declared content-length over the cap before reading, and hangs up", async () => {
    // The body never ends: reading it would wait forever.
    const error = await guard.fetch(`${upstream.origin}/declared?size=${200 * MIB}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error).toMatchObject({ code: "TOO_LARGE", message: refusal(CAP).slice("TOO_LARGE: ".length) });
    await closedAfter("/declared");
  });

  it("stops reading a body past the cap: the upstream is cut off, not drained", async () => {
    const before = upstream.written();
    expect(await readWhole(guard.fetch, `${upstream.origin}/endless`)).toBe(refusal(CAP));
    // The connection closes (awaited, not timed), and what the upstream got to write is what the socket
    // buffers held, not the 200 MiB it meant to send.
    await closedAfter("/endless");
    expect(upstream.written() - before).toBeLessThan(64 * MIB);
  });

  it.each(["gzip", "deflate", "br"])(
    "counts %s bodies unpacked, whatever their declared length",
    async (encoding) => {
      const body = packed.get(encoding);
      expect(body?.length).toBeLessThan(200 * 1024);
      for (const query of ["", "?length"]) {
        expect(await readWhole(defaults.fetch, `${upstream.origin}/packed/${encoding}${query}`)).toBe(
          refusal(GUARD_MAX_RESPONSE_BYTES),
        );
      }
    },
  );

  it("reads more for a caller that asks for more, under the same policy", async () => {
    const larger = guard.withMaxResponseBytes(10 * CAP);
    expect(await readWhole(larger.fetch, `${upstream.origin}/exact?size=${5 * CAP}`)).toBe(5 * CAP);
    expect(await readWhole(guard.fetch, `${upstream.origin}/exact?size=${5 * CAP}`)).toBe(refusal(CAP));
    const strict = createEgressGuard(createEgressPolicy([]), noDns).withMaxResponseBytes(10 * CAP);
    await expect(strict.fetch(`${upstream.origin}/exact?size=1`)).rejects.toMatchObject({
      code: "EGRESS_REFUSED",
    });
    await strict.close();
  });

  it("keeps the cap when the outbound client's guard is instrumented, and counts the refusal", async () => {
    const outcomes: string[] = [];
    const client = instrumentOutbound(createOutboundClient({ allow: ["127.0.0.1/32"] }), {
      requested: (outcome) => outcomes.push(outcome),
    });
    const url = `${upstream.origin}/declared?size=${GUARD_MAX_RESPONSE_BYTES + 1}`;
    expect(await readWhole(client.guard.fetch, url)).toBe(refusal(GUARD_MAX_RESPONSE_BYTES));
    expect(await readWhole(client.guard.withMaxResponseBytes(CAP).fetch, url)).toBe(refusal(CAP));
    expect(outcomes).toEqual(["too_large", "too_large"]);
    await client.close();
  });
});
