/** What a scrubber puts where a secret was. */
export const SCRUBBED = "[redacted]";

/**
 * Values shorter than this are not scrubbed: replacing every "abc" in a message would destroy it, and a
 * secret that short is no secret. Documented in docs/security.md.
 */
export const MIN_SECRET_LENGTH = 6;

/** Replaces known secret values in text and in every string of a JSON-like value. */
export interface SecretScrubber {
  /** True when there is nothing to scrub (no secret long enough). */
  readonly empty: boolean;
  /** A secret the execution learnt on the way (a token it fetched): scrubbed from then on. */
  add(secret: string): void;
  /** The text with every known secret (and its encoded forms) replaced. */
  text(value: string): string;
  /** A copy of a JSON-like value with every string (keys included) scrubbed; other values kept. */
  value<T>(value: T): T;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The forms a secret takes in text: as is, URL-encoded (both encoders), JSON-escaped, and base64 and
 * base64url at each of the three alignments it can have inside a longer encoded text (an HTTP Basic
 * `user:secret` header, say): the characters that encode only the secret's own bytes.
 */
function formsOf(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret), encodeURI(secret)]);
  forms.add(JSON.stringify(secret).slice(1, -1));
  const bytes = Buffer.from(secret, "utf8");
  for (let skip = 0; skip < 3; skip++) {
    const aligned = bytes.subarray(skip);
    const whole = aligned.subarray(0, aligned.length - (aligned.length % 3));
    if (whole.length === 0) continue;
    forms.add(whole.toString("base64"));
    forms.add(whole.toString("base64url"));
  }
  // The whole value with its padding, as a standalone encoding shows it.
  forms.add(bytes.toString("base64"));
  forms.add(bytes.toString("base64url"));
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * A scrubber for the exact values of one execution's secrets (credentials, instance-config secrets,
 * tokens): whatever leaves the command (messages, diagnostics, payloads, log lines) passes through it
 * before anything is stored, logged or answered. Key-based redaction stays as the second net.
 */
export function createSecretScrubber(secrets: Iterable<string>): SecretScrubber {
  const scrubber = new ExactValueScrubber();
  for (const secret of secrets) scrubber.add(secret);
  return scrubber;
}

// A class, not an object literal: every execution makes one, and a literal with a getter is built by
// V8's slow path (several times the cost of the rest of an empty scrubber).
class ExactValueScrubber implements SecretScrubber {
  readonly #forms = new Set<string>();
  // Made when first needed after a change: most executions scrub nothing, or once.
  #pattern: RegExp | undefined;

  get empty(): boolean {
    return this.#forms.size === 0;
  }

  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    for (const form of formsOf(secret)) this.#forms.add(form);
    this.#pattern = undefined;
  }

  text(value: string): string {
    if (this.#forms.size === 0 || value.length < MIN_SECRET_LENGTH) return value;
    // Longest first, so a secret's encoding that contains another secret is replaced whole.
    this.#pattern ??= new RegExp(
      [...this.#forms]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join("|"),
      "g",
    );
    return value.replace(this.#pattern, SCRUBBED);
  }

  value<T>(value: T): T {
    return this.#forms.size === 0 ? value : (this.#scrub(value, 0) as T);
  }

  #scrub(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    if (value === null || typeof value !== "object" || depth > 32) return value;
    if (Array.isArray(value)) return value.map((item) => this.#scrub(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.#scrub(item, depth + 1);
    return out;
  }
}

/** Key names whose values are secrets wherever they appear (config, credentials, diagnostics). */
export const SECRET_KEY =
  /pass(word|phrase)?|secret|token|api[-_]?key|(^|[-_])key$|[a-z]Key$|authorization|cookie|credential|signature|private/i;

/**
 * The secret strings of a config or credentials object: the values of fields the schema marks secret,
 * of fields whose names say secret, and of fields the schema does not declare at all (credentials a
 * connector receives but never described). Nested objects are searched the same way.
 */
export function secretValuesOf(
  values: Readonly<Record<string, unknown>>,
  isDeclaredPublic: (key: string) => boolean,
): string[] {
  const found: string[] = [];
  const collect = (value: unknown, depth: number) => {
    if (typeof value === "string") found.push(value);
    else if (value !== null && typeof value === "object" && depth < 8)
      for (const item of Object.values(value)) collect(item, depth + 1);
  };
  for (const [key, value] of Object.entries(values)) {
    if (SECRET_KEY.test(key) || !isDeclaredPublic(key)) collect(value, 0);
  }
  return found;
}
