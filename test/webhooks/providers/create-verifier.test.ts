import { describe, expect, it } from "vitest";
import { createVerifier } from "../../../src/webhooks/providers/create-verifier.ts";
import { delivery } from "./webhook-test-kit.ts";

describe("createVerifier", () => {
  it("turns a throw inside a provider module into MALFORMED_BODY instead of rejecting the promise", async () => {
    const verifier = createVerifier({
      provider: "stripe",
      checkSecret: () => undefined,
      verify: () => {
        throw new Error("bug");
      },
    });
    expect(await verifier.verify(delivery({ body: "" }), ["s"], {})).toEqual({
      kind: "rejected",
      code: "MALFORMED_BODY",
      status: 400,
    });
  });

  it("hands the provider module only the secrets its checkSecret accepts, in order", async () => {
    const seen: string[][] = [];
    const verifier = createVerifier({
      provider: "github",
      checkSecret: (secret) => (secret.startsWith("ok") ? undefined : "bad"),
      verify: (_delivery, secrets) => {
        seen.push([...secrets]);
        return { kind: "rejected", code: "SIGNATURE_MISMATCH", status: 401 };
      },
    });
    await verifier.verify(delivery({ body: "" }), ["ok1", "", "nope", "ok2"], {});
    expect(seen).toEqual([["ok1", "ok2"]]);
    expect(verifier.provider).toBe("github");
  });
});
