import { describe, expect, it } from "vitest";
import { isLoopbackUrl } from "../../../src/connections/oauth/is-loopback-url.ts";

const rows: readonly [string, boolean][] = [
  ["http://127.0.0.1:8080/token", true],
  ["http://127.5.6.7/token", true],
  ["http://localhost:3000/token", true],
  ["http://auth.localhost/token", true],
  ["http://[::1]:8080/token", true],
  ["http://10.0.0.1/token", false],
  ["http://192.168.1.10/token", false],
  ["http://127.0.0.1.example.com/token", false],
  ["http://localhost.example.com/token", false],
  ["http://[::2]/token", false],
  ["https://provider.example/token", false],
  ["not a url", false],
];

describe("isLoopbackUrl", () => {
  for (const [url, expected] of rows) {
    it(`${expected ? "accepts" : "refuses"} ${url}`, () => {
      expect(isLoopbackUrl(url)).toBe(expected);
    });
  }
});
