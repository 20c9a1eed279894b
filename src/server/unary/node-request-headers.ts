import type { IncomingHttpHeaders } from "node:http";
import { inspect } from "node:util";

// A header name as the Fetch standard takes it (an HTTP token); any other name is an error for `Headers`.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// The methods the subclass overrides, typed as methods: undici-types declares them as readonly
// properties, which TypeScript does not let a subclass override with methods.
interface HeaderMethods {
  append(name: string, value: string): void;
  delete(name: string): void;
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  getSetCookie(): string[];
  forEach(callbackfn: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void;
  keys(): ReturnType<Headers["keys"]>;
  values(): ReturnType<Headers["values"]>;
  entries(): ReturnType<Headers["entries"]>;
}

const Base = Headers as unknown as new () => HeaderMethods;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

// `Headers` strips leading and trailing HTTP whitespace from each value; Node's parsers already do, so
// this almost never copies.
function normalized(value: string): string {
  // charCodeAt past the end is NaN: an empty value is returned as it is.
  if (!isWhitespace(value.charCodeAt(0)) && !isWhitespace(value.charCodeAt(value.length - 1))) {
    return value;
  }
  let start = 0;
  let end = value.length;
  while (end > start && isWhitespace(value.charCodeAt(end - 1))) end--;
  while (end > start && isWhitespace(value.charCodeAt(start))) start++;
  return value.substring(start, end);
}

/**
 * A request's `Headers` over Node's parsed header object, built only when needed: `get` and `has` read
 * Node's object (already parsed, validated and lower-cased) and answer exactly as a `Headers` filled from
 * it would; anything else first fills the real `Headers` this is, exactly as it used to be filled (each
 * value appended in the object's order, pseudo-headers left out), and then runs as `Headers` does. Most
 * calls only read a few headers, so undici's checks and copies of every header are skipped.
 */
class NodeRequestHeaders extends Base {
  // Node's header object until the headers are filled in; undefined after.
  #node: IncomingHttpHeaders | undefined;

  constructor(node: IncomingHttpHeaders) {
    super();
    this.#node = node;
  }

  #fill(): void {
    const node = this.#node;
    if (node === undefined) return;
    this.#node = undefined;
    for (const name in node) {
      if (name.charCodeAt(0) === 58 /* ":" pseudo-header */) continue;
      const value = node[name];
      if (typeof value === "string") super.append(name, value);
      else if (Array.isArray(value)) for (const one of value) super.append(name, one);
    }
  }

  /**
   * The value `Headers` would hold for `name`: null when absent, undefined when this cannot tell without
   * filling in (not a string, or not a valid name: `Headers` converts or refuses those).
   */
  #lookup(node: IncomingHttpHeaders, name: unknown): string | null | undefined {
    if (typeof name !== "string" || !TOKEN.test(name)) return undefined;
    // Node's names are lower-case; a name in other case is looked up lower-cased, as `Headers` does (also
    // when the name as given hits something of Object.prototype: "toString" is header "tostring").
    let value = node[name];
    if (typeof value !== "string" && !Array.isArray(value)) {
      const lower = name.toLowerCase();
      if (lower !== name) value = node[lower];
    }
    if (typeof value === "string") return normalized(value);
    // Node makes arrays only of headers that may repeat (set-cookie); `Headers` joins them as it appends.
    if (Array.isArray(value) && value.length > 0) {
      const separator = name.length === 6 && name.toLowerCase() === "cookie" ? "; " : ", ";
      let joined = normalized(value[0] as string);
      for (let i = 1; i < value.length; i++) joined += separator + normalized(value[i] as string);
      return joined;
    }
    // Absent, or inherited from Object.prototype (a name like "constructor"), which filling skips too.
    return null;
  }

  // Rest parameters pass on exactly the arguments given: `Headers` counts them.
  override get(...args: [name: string]): string | null {
    const node = this.#node;
    if (node !== undefined) {
      const value = this.#lookup(node, args[0]);
      if (value !== undefined) return value;
      this.#fill();
    }
    return super.get(...args);
  }

  override has(...args: [name: string]): boolean {
    const node = this.#node;
    if (node !== undefined) {
      const value = this.#lookup(node, args[0]);
      if (value !== undefined) return value !== null;
      this.#fill();
    }
    return super.has(...args);
  }

  override append(...args: [name: string, value: string]): void {
    this.#fill();
    super.append(...args);
  }

  override delete(...args: [name: string]): void {
    this.#fill();
    super.delete(...args);
  }

  override set(...args: [name: string, value: string]): void {
    this.#fill();
    super.set(...args);
  }

  override getSetCookie(): string[] {
    this.#fill();
    return super.getSetCookie();
  }

  override forEach(
    ...args: [callbackfn: (value: string, key: string, parent: Headers) => void, thisArg?: unknown]
  ): void {
    this.#fill();
    super.forEach(...args);
  }

  override keys(): ReturnType<Headers["keys"]> {
    this.#fill();
    return super.keys();
  }

  override values(): ReturnType<Headers["values"]> {
    this.#fill();
    return super.values();
  }

  override entries(): ReturnType<Headers["entries"]> {
    this.#fill();
    return super.entries();
  }

  // A getter that fills in and then hands back `Headers`' own iterator function: undici copies a `Headers`
  // it is given (new Headers(h), fetch, Request) straight from its internal list, in insertion order, only
  // when the object's iterator is exactly that function (otherwise it iterates it, in sorted order), so
  // this keeps both the filled list and the order a copy sends its headers in.
  get [Symbol.iterator](): Headers["entries"] {
    this.#fill();
    return Headers.prototype.entries as never;
  }

  [inspect.custom](...args: unknown[]): unknown {
    this.#fill();
    const own = (Headers.prototype as unknown as Record<symbol, (...a: unknown[]) => unknown>)[
      inspect.custom
    ] as (...a: unknown[]) => unknown;
    return own.apply(this, args);
  }
}

/** The request `Headers` of Node's parsed header object (pseudo-headers left out), filled in lazily. */
export function nodeRequestHeaders(node: IncomingHttpHeaders): Headers {
  return new NodeRequestHeaders(node) as unknown as Headers;
}
