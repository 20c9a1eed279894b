import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { createAbortFanOut } from "../../src/protocol/abort-fan-out.ts";
import { SERVER_STOPPING } from "../../src/protocol/server-stopping.ts";

describe("createAbortFanOut", () => {
  it("aborts every call in flight with the source's own reason, in the order they began", () => {
    const shutdown = new AbortController();
    const fanOut = createAbortFanOut(shutdown.signal);
    const first = new AbortController();
    const second = new AbortController();
    const order: string[] = [];
    first.signal.addEventListener("abort", () => order.push("first"));
    second.signal.addEventListener("abort", () => order.push("second"));
    fanOut.link(first);
    fanOut.link(second, new AbortController().signal);
    shutdown.abort(SERVER_STOPPING);
    expect(first.signal.reason).toBe(SERVER_STOPPING);
    expect(second.signal.reason).toBe(SERVER_STOPPING);
    expect(order).toEqual(["first", "second"]);
  });

  it("leaves a call that ended out of the source's abort", () => {
    const shutdown = new AbortController();
    const fanOut = createAbortFanOut(shutdown.signal);
    const ended = new AbortController();
    const running = new AbortController();
    fanOut.link(ended)();
    fanOut.link(running);
    shutdown.abort(SERVER_STOPPING);
    expect(ended.signal.aborted).toBe(false);
    expect(running.signal.reason).toBe(SERVER_STOPPING);
  });

  it("starts a call begun after the source aborted already aborted, with its reason", () => {
    const shutdown = new AbortController();
    const fanOut = createAbortFanOut(shutdown.signal);
    shutdown.abort(SERVER_STOPPING);
    const late = new AbortController();
    fanOut.link(late, new AbortController().signal);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(SERVER_STOPPING);
  });

  it("aborts a call with the reason of the link that aborted first", () => {
    const fanOut = createAbortFanOut(new AbortController().signal);
    const cancel = new AbortController();
    const gone = new AbortController();
    const call = new AbortController();
    fanOut.link(call, cancel.signal, undefined, gone.signal);
    const left = new Error("the client went away");
    gone.abort(left);
    cancel.abort(new Error("cancelled"));
    expect(call.signal.reason).toBe(left);
  });

  it("starts a call whose link has aborted already aborted, with the link's reason", () => {
    const fanOut = createAbortFanOut(undefined);
    const gone = new AbortController();
    const left = new Error("the client went away");
    gone.abort(left);
    const call = new AbortController();
    fanOut.link(call, gone.signal);
    expect(call.signal.reason).toBe(left);
  });

  it("takes its listeners off the links when the call ends", () => {
    const fanOut = createAbortFanOut(undefined);
    const cancel = new AbortController();
    const call = new AbortController();
    const end = fanOut.link(call, cancel.signal);
    expect(getEventListeners(cancel.signal, "abort")).toHaveLength(1);
    end();
    end();
    expect(getEventListeners(cancel.signal, "abort")).toHaveLength(0);
    cancel.abort(new Error("cancelled"));
    expect(call.signal.aborted).toBe(false);
  });

  it("holds one listener on the source, however many calls are in flight", () => {
    const shutdown = new AbortController();
    const fanOut = createAbortFanOut(shutdown.signal);
    for (let i = 0; i < 100; i++) fanOut.link(new AbortController(), new AbortController().signal);
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
  });

  it("ends no call by its end alone", () => {
    const shutdown = new AbortController();
    const fanOut = createAbortFanOut(shutdown.signal);
    const call = new AbortController();
    fanOut.link(call, new AbortController().signal)();
    expect(call.signal.aborted).toBe(false);
  });
});
