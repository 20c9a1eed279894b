const MAX_NAME = 100;

/** One JSON Pointer token of a `$ref` fragment, percent- and `~`-decoded. */
export function decodePointerToken(token: string): string {
  let text = token;
  try {
    text = decodeURIComponent(token);
  } catch {}
  return text.replaceAll("~1", "/").replaceAll("~0", "~");
}

/**
 * The name of a plan's shared schema for the `$ref` that first reached it: `#/components/schemas/Pet`
 * → "Pet", `#/definitions/Pet` → "Pet", another pointer → its tokens joined with dots. Only
 * `[A-Za-z0-9._-]` (the rest becomes `_`) and no leading dot: the name is a path segment of the
 * schema's id in a validator, where a segment of dots would be resolved away.
 */
export function planSchemaName(ref: string): string {
  const tokens = ref.replace(/^#\/?/, "").split("/").map(decodePointerToken);
  const tail =
    tokens[0] === "components" && tokens[1] === "schemas" && tokens.length > 2
      ? tokens.slice(2)
      : tokens[0] === "definitions" && tokens.length > 1
        ? tokens.slice(1)
        : tokens;
  return (
    tail
      .join(".")
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^\./, "_")
      .slice(0, MAX_NAME) || "schema"
  );
}
