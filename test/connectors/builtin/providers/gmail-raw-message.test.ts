import { describe, expect, it } from "vitest";
import {
  gmailRawMessage,
  headerProblem,
} from "../../../../src/connectors/builtin/providers/gmail-raw-message.ts";

const decode = (raw: string) => Buffer.from(raw, "base64url").toString("utf8");

describe("gmailRawMessage", () => {
  it("encodes a non-ASCII subject as RFC 2047 words of at most 75 characters", () => {
    const subject = "Grüße aus Köln — ünïcödé ".repeat(4);
    const text = decode(gmailRawMessage({ to: "a@example.com", subject, text: "x" }));
    const header = /^Subject: (.*?)\r\nMIME/ms.exec(text)?.[1] ?? "";
    const words = header.split("\r\n ");
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) {
      expect(word.length).toBeLessThanOrEqual(75);
      expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    }
    const decoded = words
      .map((word) => Buffer.from(word.slice(10, -2), "base64"))
      .reduce((a, b) => Buffer.concat([a, b]));
    expect(decoded.toString("utf8")).toBe(subject);
  });

  it("sends the body as base64 in lines of 76 characters, so any text survives", () => {
    const body = "€ and a long line ".repeat(20);
    const text = decode(gmailRawMessage({ to: "a@example.com", subject: "s", text: body }));
    const encoded = text.split("\r\n\r\n")[1] ?? "";
    for (const line of encoded.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
    expect(Buffer.from(encoded.replaceAll("\r\n", ""), "base64").toString("utf8")).toBe(body);
  });

  it("names the header that holds a control character", () => {
    expect(headerProblem({ to: "a@example.com\nBcc: x@example.com", subject: "s", text: "t" })).toBe(
      "to must be one line",
    );
    expect(headerProblem({ to: "a@example.com", subject: "s", text: "t", bcc: "b@example.com\r" })).toBe(
      "bcc must be one line",
    );
    expect(
      headerProblem({ to: "a@example.com", subject: "tab\tok", text: "line\nbreaks are fine in the body" }),
    ).toBeUndefined();
  });
});
