import { describe, expect, it } from "vitest";
import { batchCost } from "../../src/mcp/batch-cost.ts";

const request = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo_echo" } });
const notification = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } };

describe("batchCost", () => {
  it("costs a single message one call and one place, whatever it is", () => {
    expect(batchCost(request(1))).toEqual({ calls: 1, places: 1 });
    expect(batchCost(notification)).toEqual({ calls: 1, places: 1 });
  });

  it("costs a batch a call per message and a place per request", () => {
    expect(batchCost([request(1), request(2), notification])).toEqual({ calls: 3, places: 2 });
    expect(batchCost(Array.from({ length: 100 }, (_, i) => request(i)))).toEqual({ calls: 100, places: 100 });
  });

  it("costs a batch of notifications, or an empty one, at least what a single message costs", () => {
    expect(batchCost([notification, notification])).toEqual({ calls: 2, places: 1 });
    expect(batchCost([])).toEqual({ calls: 1, places: 1 });
  });
});
