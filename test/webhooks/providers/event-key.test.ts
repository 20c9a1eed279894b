import { describe, expect, it } from "vitest";
import { eventKey } from "../../../src/webhooks/providers/event-key.ts";

describe("eventKey", () => {
  it("joins the provider and segments with dots", () => {
    expect(eventKey("github", "issues", "opened")).toBe("github.issues.opened");
  });

  it("lowercases and replaces characters outside [a-z0-9_] with _", () => {
    expect(eventKey("discord", "event", "APPLICATION_AUTHORIZED")).toBe(
      "discord.event.application_authorized",
    );
    expect(eventKey("twilio", "call", "in-progress")).toBe("twilio.call.in_progress");
    expect(eventKey("slack", "a.b c/ü")).toBe("slack.a_b_c__");
  });

  it("drops missing and empty segments", () => {
    expect(eventKey("github", "push", undefined)).toBe("github.push");
    expect(eventKey("linear", "", "issue")).toBe("linear.issue");
  });

  it("cuts a segment to 64 characters", () => {
    expect(eventKey("stripe", "x".repeat(500))).toBe(`stripe.${"x".repeat(64)}`);
  });
});
