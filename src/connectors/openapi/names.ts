/** Longest command or param name the catalog accepts (its NAME rule allows 64 characters). */
export const MAX_NAME = 64;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * camelCase from any text: words split on non-alphanumerics and lower→upper boundaries are kept, so
 * "repos/get-content" → "reposGetContent" and "ListPets" → "listPets". A leading digit gets "op".
 */
export function camelCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
  const joined = words
    .map((word, i) =>
      i === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1),
    )
    .join("");
  const name = /^[0-9]/.test(joined) ? `op${joined}` : joined;
  return name.slice(0, MAX_NAME);
}

/** A param name as the catalog stores it: the wire name when it is already an identifier, else camelCase. */
export function paramName(wireName: string): string {
  if (IDENTIFIER.test(wireName)) return wireName;
  return camelCase(wireName) || "param";
}

/** kebab-case slug from a title, 1-64 characters, or "" when nothing usable remains. */
export function kebabCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}

/**
 * Hands out unique names: the first claim of a name gets it, later ones a numeric suffix
 * ("listPets", "listPets2", ...). Returns the name given.
 */
export function createNameClaims(): (wanted: string) => string {
  const taken = new Set<string>();
  return (wanted) => {
    let name = wanted;
    for (let n = 2; taken.has(name); n++) {
      const suffix = String(n);
      name = wanted.slice(0, MAX_NAME - suffix.length) + suffix;
    }
    taken.add(name);
    return name;
  };
}
