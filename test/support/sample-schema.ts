// A value shaped like a JSON Schema, for the fake API server's default answers.
const FORMAT_SAMPLES: Record<string, string> = {
  date: "1970-01-01",
  "date-time": "1970-01-01T00:00:00Z",
  email: "user@example.test",
  uri: "https://example.test/",
  url: "https://example.test/",
  uuid: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value shaped like `schema`, null past a budget of values built (dereferenced schemas can be circular). */
export function sampleSchema(schema: unknown, budget: { nodes: number }): unknown {
  if (!isRecord(schema) || budget.nodes-- <= 0) return null;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const choice = Array.isArray(schema.oneOf)
    ? schema.oneOf[0]
    : Array.isArray(schema.anyOf)
      ? schema.anyOf[0]
      : undefined;
  if (choice !== undefined) return sampleSchema(choice, budget);
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const parts = [...allOf, rest].map((part) => sampleSchema(part, budget)).filter((part) => part !== null);
    return parts.every(isRecord) ? Object.assign({}, ...parts) : parts[0];
  }
  const type = Array.isArray(schema.type) ? schema.type.find((item) => item !== "null") : schema.type;
  if (type === "object" || isRecord(schema.properties)) {
    const properties = isRecord(schema.properties) ? Object.entries(schema.properties) : [];
    return Object.fromEntries(properties.map(([name, property]) => [name, sampleSchema(property, budget)]));
  }
  if (type === "array") return schema.items === undefined ? [] : [sampleSchema(schema.items, budget)];
  if (type === "string") return FORMAT_SAMPLES[String(schema.format)] ?? "string";
  if (type === "integer" || type === "number") return typeof schema.minimum === "number" ? schema.minimum : 0;
  return type === "boolean" ? true : null;
}
