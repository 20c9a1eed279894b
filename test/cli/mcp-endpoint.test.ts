import { describe, expect, it } from "vitest";
import { mcpEndpoint } from "../../src/cli/mcp-endpoint.ts";

describe("mcpEndpoint", () => {
  it.each([
    ["https://patchbay.example.com", "https://patchbay.example.com/mcp"],
    ["https://patchbay.example.com/", "https://patchbay.example.com/mcp"],
    ["https://example.com/patchbay/", "https://example.com/patchbay/mcp"],
    ["https://patchbay.example.com/mcp", "https://patchbay.example.com/mcp"],
    // The query narrows the tools the endpoint offers: it is kept, wherever the path ends.
    [
      "https://patchbay.example.com/mcp?connector=echo&tools=connectors",
      "https://patchbay.example.com/mcp?connector=echo&tools=connectors",
    ],
    [
      "https://patchbay.example.com?command=listPosts#x",
      "https://patchbay.example.com/mcp?command=listPosts",
    ],
  ])("makes %s the endpoint %s", (base, endpoint) => {
    expect(mcpEndpoint(base).toString()).toBe(endpoint);
  });
});
