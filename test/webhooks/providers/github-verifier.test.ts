import { createHmac } from "node:crypto";
import { verify as octokitVerify, sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { githubVerifier } from "../../../src/webhooks/providers/github-verifier.ts";
import { delivery, expectEvent, expectHandshake, expectJunkRejected } from "./webhook-test-kit.ts";

const SECRET = "It's a Secret to Everybody";
const OLD_SECRET = "previous-github-secret";
const DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
const ISSUE = JSON.stringify({
  action: "opened",
  issue: { number: 1, title: "Bug" },
  repository: { full_name: "o/r" },
});

async function headers(body: string, event: string, secret = SECRET): Promise<Record<string, string>> {
  return {
    "X-Hub-Signature-256": await sign(secret, body),
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": DELIVERY,
  };
}

const verify = (
  body: string,
  head: Record<string, string>,
  contentType = "application/json",
  secrets = [SECRET],
) => githubVerifier.verify(delivery({ body, headers: head, contentType }), secrets, {});

describe("githubVerifier", () => {
  it("verifies GitHub's documented test vector (also @octokit/webhooks-methods' output)", async () => {
    const vector = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(await sign(SECRET, "Hello, World!")).toBe(vector);
    // The signature passes; "Hello, World!" is then not a JSON payload.
    const head = { "X-Hub-Signature-256": vector, "X-GitHub-Event": "push", "X-GitHub-Delivery": DELIVERY };
    expect(await verify("Hello, World!", head)).toEqual({
      kind: "rejected",
      code: "MALFORMED_BODY",
      status: 400,
    });
  });

  it("accepts an issues event keyed github.issues.opened, deduped by X-GitHub-Delivery", async () => {
    const head = await headers(ISSUE, "issues");
    expect(await octokitVerify(SECRET, ISSUE, head["X-Hub-Signature-256"] ?? "")).toBe(true);
    const event = expectEvent(await verify(ISSUE, head));
    expect(event.eventKey).toBe("github.issues.opened");
    expect(event.providerEventId).toBe(DELIVERY);
    expect(event.payload).toEqual(JSON.parse(ISSUE));
    expect(event.reply).toBeUndefined();
  });

  it("keys an event without action by its name alone", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main", commits: [] });
    expect(expectEvent(await verify(body, await headers(body, "push"))).eventKey).toBe("github.push");
  });

  it("answers ping with an empty text/plain handshake", async () => {
    const body = JSON.stringify({
      zen: "Keep it logically awesome.",
      hook_id: 1,
      hook: { type: "Repository" },
    });
    const handshake = expectHandshake(await verify(body, await headers(body, "ping")));
    expect(handshake.reply.contentType).toMatch(/^text\/plain/);
    expect(handshake.reply.body.length).toBe(0);
  });

  it("accepts a form-encoded delivery, signed over the form body", async () => {
    const body = `payload=${encodeURIComponent(ISSUE)}`;
    const event = expectEvent(
      await verify(body, await headers(body, "issues"), "application/x-www-form-urlencoded"),
    );
    expect(event.eventKey).toBe("github.issues.opened");
    expect(event.payload).toEqual(JSON.parse(ISSUE));
  });

  it("rejects a signed payload nested deeper than 32 levels as malformed, as JSON and as a form", async () => {
    const nested = (levels: number) =>
      `{"action":"opened","nest":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`;
    for (const [json, kind] of [
      [nested(32), "event"],
      [nested(33), "rejected"],
      [nested(100_000), "rejected"],
    ] as const) {
      for (const [body, contentType] of [
        [json, "application/json"],
        [`payload=${encodeURIComponent(json)}`, "application/x-www-form-urlencoded"],
      ] as const) {
        const head = await headers(body, "issues");
        expect(await octokitVerify(SECRET, body, head["X-Hub-Signature-256"] ?? "")).toBe(true);
        const outcome = await verify(body, head, contentType);
        expect(outcome.kind).toBe(kind);
        if (kind === "rejected") expect(outcome).toMatchObject({ code: "MALFORMED_BODY", status: 400 });
      }
    }
  });

  it("rejects a wrong secret, as @octokit/webhooks-methods does", async () => {
    const head = await headers(ISSUE, "issues", OLD_SECRET);
    expect(await octokitVerify(SECRET, ISSUE, head["X-Hub-Signature-256"] ?? "")).toBe(false);
    expect(await verify(ISSUE, head)).toEqual({ kind: "rejected", code: "SIGNATURE_MISMATCH", status: 401 });
  });

  it("treats the legacy SHA-1 header alone as a missing signature", async () => {
    const { "X-Hub-Signature-256": _sha256, ...rest } = await headers(ISSUE, "issues");
    const sha1 = `sha1=${createHmac("sha1", SECRET).update(ISSUE).digest("hex")}`;
    expect(await verify(ISSUE, rest)).toEqual({ kind: "rejected", code: "SIGNATURE_MISSING", status: 401 });
    expect(await verify(ISSUE, { ...rest, "X-Hub-Signature": sha1 })).toMatchObject({
      code: "SIGNATURE_MISSING",
    });
  });

  it("rejects a tampered body, as @octokit/webhooks-methods does", async () => {
    const head = await headers(ISSUE, "issues");
    const tampered = ISSUE.replace("opened", "closed");
    expect(await octokitVerify(SECRET, tampered, head["X-Hub-Signature-256"] ?? "")).toBe(false);
    expect(await verify(tampered, head)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("accepts the previous secret during a rotation grace period", async () => {
    const head = await headers(ISSUE, "issues", OLD_SECRET);
    expect((await verify(ISSUE, head, "application/json", [SECRET, OLD_SECRET])).kind).toBe("event");
  });

  it("rejects a signed delivery without a usable event name or delivery id as malformed", async () => {
    const head = await headers(ISSUE, "issues");
    for (const broken of [
      { ...head, "X-GitHub-Event": "" },
      { ...head, "X-GitHub-Delivery": "" },
      { ...head, "X-GitHub-Delivery": "x".repeat(201) },
    ]) {
      expect(await verify(ISSUE, broken)).toEqual({ kind: "rejected", code: "MALFORMED_BODY", status: 400 });
    }
    const { "X-GitHub-Delivery": _id, ...noId } = head;
    expect(await verify(ISSUE, noId)).toMatchObject({ code: "MALFORMED_BODY" });
  });

  it("gives the same replay key to a captured delivery resent under a fresh id, whatever the hex case", async () => {
    const head = await headers(ISSUE, "issues");
    const original = expectEvent(await verify(ISSUE, head));
    const signature = head["X-Hub-Signature-256"] ?? "";
    const replayed = { ...head, "X-GitHub-Delivery": "fresh-unsigned-id", "X-GitHub-Event": "push" };
    // The replay is a delivery GitHub's own library accepts: the id and the event name are not signed.
    expect(await octokitVerify(SECRET, ISSUE, signature)).toBe(true);
    const again = expectEvent(await verify(ISSUE, replayed));
    const shouted = expectEvent(
      await verify(ISSUE, {
        ...replayed,
        "X-Hub-Signature-256": `sha256=${signature.slice(7).toUpperCase()}`,
      }),
    );
    expect(again.providerEventId).toBe("fresh-unsigned-id");
    expect(original.replayKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(again.replayKey).toBe(original.replayKey);
    expect(shouted.replayKey).toBe(original.replayKey);
    // Not the signature itself: the stored key is nothing a sender could present.
    expect(original.replayKey).not.toContain(signature.slice(7, 20));
  });

  it("gives another body, or the same body under the previous secret, another replay key", async () => {
    const head = await headers(ISSUE, "issues");
    const other = ISSUE.replace('"number":1', '"number":2');
    const first = expectEvent(await verify(ISSUE, head));
    const second = expectEvent(await verify(other, await headers(other, "issues")));
    const previous = expectEvent(
      await verify(ISSUE, await headers(ISSUE, "issues", OLD_SECRET), "application/json", [
        SECRET,
        OLD_SECRET,
      ]),
    );
    expect(new Set([first.replayKey, second.replayKey, previous.replayKey]).size).toBe(3);
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(
      githubVerifier,
      ["X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery"],
      [SECRET],
    );
  });

  it("refuses an empty secret", () => {
    expect(githubVerifier.checkSecret(SECRET)).toBeUndefined();
    expect(githubVerifier.checkSecret("")).toMatch(/empty/);
  });
});
