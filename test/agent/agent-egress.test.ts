import { describe, expect, it } from "vitest";
import { createAgentEgress } from "../../src/agent/index.ts";

describe("createAgentEgress", () => {
  const egress = createAgentEgress([
    "10.0.0.0/8:443",
    "127.0.0.2",
    "LDAP.corp.example:8443",
    "wiki.corp.example",
    "[fd00::/8]:443",
    "fd01::1",
  ]);

  it.each([
    ["10.1.2.3", 443, true],
    ["10.1.2.3", 80, false],
    ["11.0.0.1", 443, false],
    ["127.0.0.2", 1234, true],
    ["127.0.0.3", 1234, false],
    ["fd00::5", 443, true],
    ["[fd00::5]", 443, true],
    ["fd00::5", 80, false],
    ["fd01::1", 22, true],
    ["::ffff:169.254.169.254", 80, false],
    ["not-an-address", 443, false],
  ])("address %s port %i allowed: %s", (address, port, allowed) => {
    expect(egress.allowsAddress(address, port)).toBe(allowed);
  });

  it.each([
    ["ldap.corp.example", 8443, true],
    ["ldap.corp.example.", 8443, true],
    ["ldap.corp.example", 443, false],
    ["wiki.corp.example", 1, true],
    ["evil.wiki.corp.example", 443, false],
    ["10.1.2.3", 443, false],
  ])("name %s port %i allowed: %s", (name, port, allowed) => {
    expect(egress.allowsName(name, port)).toBe(allowed);
  });

  it("allows nothing without entries (deny by default)", () => {
    const none = createAgentEgress([]);
    expect(none.allowsAddress("10.0.0.1", 443)).toBe(false);
    expect(none.allowsName("localhost", 80)).toBe(false);
  });

  it.each(["10.0.0.0/33", "host:0", "host:65536", "host:x", "a..b", "[fd00::/8]:", "*.corp"])(
    "refuses the malformed entry %s, naming it",
    (entry) => {
      expect(() => createAgentEgress([entry])).toThrow(`invalid --allow entry ${JSON.stringify(entry)}`);
    },
  );
});
