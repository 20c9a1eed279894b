import { describe, expect, it } from "vitest";
import { generateConnectorScript, SCRIPT_API_REFERENCE } from "../../src/mcp/generate-connector-script.ts";

// Issue 20, generate_connector_script without sampling: a deterministic skeleton that follows the script API.
describe("generateConnectorScript", () => {
  it("writes test and one function per command, named as JavaScript identifiers, and declares them", () => {
    const out = generateConnectorScript({
      description: "Tickets  for the\nhelp desk",
      commands: ["list tickets", "close-ticket", "test", "listTickets", "42nd"],
      name: "",
    });
    expect(out.commands).toEqual(["listTickets", "closeTicket", "c42nd"]);
    for (const name of ["test", ...out.commands]) {
      expect(out.scriptSource).toContain(`function ${name}() {`);
    }
    expect(Object.keys(out.configSchema.commands ?? {})).toEqual(["test", ...out.commands]);
    expect(out.createRequest).toMatchObject({
      name: "tickets-for-the-help",
      executionModel: "script",
      description: "Tickets for the help desk",
      scriptSource: out.scriptSource,
    });
    // The source compiles as JavaScript (the sandbox runs it as a function body).
    expect(() => new Function(out.scriptSource)).not.toThrow();
  });

  it("gives one example command without names, and the same script for the same request", () => {
    const request = { description: "*/ weird", commands: [], name: "my-api" };
    const out = generateConnectorScript(request);
    expect(out.commands).toEqual(["example"]);
    expect(out.createRequest.name).toBe("my-api");
    expect(generateConnectorScript(request).scriptSource).toBe(out.scriptSource);
    expect(() => new Function(out.scriptSource)).not.toThrow();
    expect(SCRIPT_API_REFERENCE).toContain("patchbay.params");
  });
});
