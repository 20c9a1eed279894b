/**
 * In-isolate source of `hardenIntrinsics()`, spliced into {@link SANDBOX_BOOTSTRAP} (it uses the
 * bootstrap's captured `G`, `freeze`, `defineProperty`, … and runs before the script): freezes every
 * built-in reachable from the globals or only through instances (generator, async and iterator
 * prototypes, %ThrowTypeError%), and returns the global names and values as they were, so the dispatcher
 * never mistakes a built-in for a command.
 *
 * Freezing keeps the script from swapping anything the bootstrap calls, and is what makes a context safe
 * to reuse once a pool exists. Frozen prototypes would turn `Widget.prototype.toString = f` or
 * `this.name = "MyError"` into silent no-ops (the "override mistake"), so for those few properties an
 * accessor defines an own property on the assigned object instead.
 */
export const HARDEN_INTRINSICS = `function hardenIntrinsics() {
  function allowOverride(prototype, names) {
    for (const name of names) {
      const found = getOwnPropertyDescriptor(prototype, name);
      if (found === undefined || !("value" in found) || !found.configurable) continue;
      const value = found.value;
      defineProperty(prototype, name, {
        get() { return value; },
        set(next) {
          if (this === prototype) {
            throw new TypeErrorClass("Cannot assign to read only property '" + name + "' of a frozen built-in");
          }
          if ((typeof this !== "object" && typeof this !== "function") || this === null) return;
          defineProperty(this, name, { value: next, writable: true, enumerable: true, configurable: true });
        },
        enumerable: found.enumerable,
        configurable: false,
      });
    }
  }
  allowOverride(Object.prototype, ["constructor", "toString", "valueOf", "toLocaleString"]);
  allowOverride(Function.prototype, ["constructor", "toString"]);
  for (const ErrorType of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError]) {
    allowOverride(ErrorType.prototype, ["constructor", "name", "message", "toString"]);
  }

  // Every intrinsic reachable from the globals, plus the ones only reachable through instances.
  const intrinsicGlobals = new Map();
  for (const key of ownKeys(G)) {
    const found = getOwnPropertyDescriptor(G, key);
    if ("value" in found) intrinsicGlobals.set(key, found.value);
  }
  const pending = [getPrototypeOf(G)];
  for (const value of intrinsicGlobals.values()) pending.push(value);
  pending.push(
    function* () {},
    async function () {},
    async function* () {},
    [][Symbol.iterator](),
    new Map()[Symbol.iterator](),
    new Set()[Symbol.iterator](),
    ""[Symbol.iterator](),
    /x/[Symbol.matchAll](""),
    getOwnPropertyDescriptor((function () { return arguments; })(), "callee").get,
  );
  if (typeof Iterator === "function") {
    pending.push([].values().map((x) => x), Iterator.from({ next() { return { done: true }; } }));
  }
  if (typeof Intl === "object" && typeof Intl.Segmenter === "function") {
    const segments = new Intl.Segmenter().segment("");
    pending.push(segments, segments[Symbol.iterator]());
  }
  const hardened = new Set([G]);
  while (pending.length > 0) {
    const value = pending.pop();
    if ((typeof value !== "object" && typeof value !== "function") || value === null || hardened.has(value)) continue;
    hardened.add(value);
    freeze(value);
    pending.push(getPrototypeOf(value));
    for (const key of ownKeys(value)) {
      const found = getOwnPropertyDescriptor(value, key);
      if ("value" in found) pending.push(found.value);
      else pending.push(found.get, found.set);
    }
  }
  return intrinsicGlobals;
}
`;
