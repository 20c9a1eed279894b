import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ExecuteRequestSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { requestHash } from "../../src/execute/run-command.ts";

const base = {
  target: { case: "connectionId" as const, value: "5b1c3a52-8a0e-4f43-9d7e-2f0c1a9b7e11" },
  command: "listPosts",
  params: { limit: 2 },
};

describe("requestHash", () => {
  it("hashes a real call as before the mock scenario existed, so keys claimed earlier still replay", () => {
    const old = createHash("sha256")
      .update(JSON.stringify(["connectionId", base.target.value, "listPosts", { limit: 2 }, {}]))
      .digest("hex");
    expect(requestHash(create(ExecuteRequestSchema, base))).toBe(old);
    expect(requestHash(create(ExecuteRequestSchema, { ...base, metadata: { mockScenario: "" } }))).toBe(old);
  });

  it("tells a mocked call from a real one and one scenario from another", () => {
    const real = requestHash(create(ExecuteRequestSchema, base));
    const empty = requestHash(create(ExecuteRequestSchema, { ...base, metadata: { mockScenario: "empty" } }));
    const fallback = requestHash(
      create(ExecuteRequestSchema, { ...base, metadata: { mockScenario: "default" } }),
    );
    expect(new Set([real, empty, fallback]).size).toBe(3);
  });
});
