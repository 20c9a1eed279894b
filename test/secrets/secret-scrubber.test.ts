import { describe, expect, it } from "vitest";
import { createSecretScrubber, SCRUBBED, secretValuesOf } from "../../src/secrets/index.ts";

const SECRET = "sk_live/Zq+9&k=Planted-7788";
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("createSecretScrubber", () => {
  const scrubber = createSecretScrubber([SECRET, "abc"]);

  it("replaces the value as is, URL-encoded and JSON-escaped", () => {
    expect(scrubber.text(`key=${SECRET}`)).toBe(`key=${SCRUBBED}`);
    expect(scrubber.text(`?k=${encodeURIComponent(SECRET)}&x=1`)).toBe(`?k=${SCRUBBED}&x=1`);
    const quoted = createSecretScrubber(['pa"ss\\word-1']);
    expect(quoted.text(JSON.stringify({ p: 'pa"ss\\word-1' }))).not.toContain("ss\\\\word");
  });

  it("finds the value inside longer base64 text at every alignment", () => {
    for (const prefix of ["", "u", "us", "use", "user:", "someone:"]) {
      const encoded = b64(`${prefix}${SECRET}`);
      const cleaned = scrubber.text(`Basic ${encoded}`);
      expect(cleaned, prefix).toContain(SCRUBBED);
      // What is left cannot be decoded back into the secret.
      expect(
        Buffer.from(cleaned.replace("Basic ", "").replace(SCRUBBED, ""), "base64").toString(),
      ).not.toContain(SECRET.slice(3, -3));
    }
    expect(scrubber.text(Buffer.from(SECRET).toString("base64url"))).toBe(SCRUBBED);
  });

  it("scrubs every string and key of a JSON value, and leaves other values alone", () => {
    const value = { [SECRET]: [1, true, null, { note: `x ${SECRET} y` }], n: 5 };
    expect(scrubber.value(value)).toEqual({ [SCRUBBED]: [1, true, null, { note: `x ${SCRUBBED} y` }], n: 5 });
  });

  it("scrubs a secret added on the way from then on", () => {
    const later = createSecretScrubber([]);
    expect(later.empty).toBe(true);
    expect(later.text("token tok-123456")).toBe("token tok-123456");
    later.add("tok-123456");
    expect(later.empty).toBe(false);
    expect(later.value({ t: "token tok-123456" })).toEqual({ t: `token ${SCRUBBED}` });
  });

  it("leaves values shorter than six characters alone: replacing them would destroy the text", () => {
    expect(scrubber.text("abc abcdef")).toBe("abc abcdef");
    expect(createSecretScrubber(["short"]).empty).toBe(true);
  });
});

describe("secretValuesOf", () => {
  it("takes fields marked secret by the schema, named like secrets, or not declared at all", () => {
    const values = {
      baseUrl: "https://api.example.test",
      apiKey: "k-123456",
      region: "eu",
      extra: "x-999999",
      nested: { token: "t-777777" },
    };
    const declaredPublic = (key: string) => key === "baseUrl" || key === "region" || key === "nested";
    expect(secretValuesOf(values, declaredPublic).sort()).toEqual(["k-123456", "x-999999"]);
    expect(secretValuesOf({ accessToken: "tok-123456" }, () => true)).toEqual(["tok-123456"]);
  });
});
