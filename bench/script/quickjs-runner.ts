// The baseline of bench/script: the approach of seed 004 — QuickJS (quickjs-emscripten) with a fresh
// runtime and context per execution, so that no state survives between executions — running the same
// script with the same `patchbay` API surface the benchmark's script uses (params, config, variables,
// one synchronous `patchbay.http.get` answered by the host).
import {
  getQuickJS,
  type QuickJSContext,
  type QuickJSHandle,
  shouldInterruptAfterDeadline,
} from "quickjs-emscripten";

/** The host's answer to one HTTP call (synchronous here: QuickJS without asyncify cannot wait). */
export type SyncHttp = (url: string) => { status: number; body: unknown; headers: Record<string, string> };

export interface QuickJsRequest {
  command: string;
  params: Record<string, unknown>;
  config: Record<string, unknown>;
  variables: Record<string, unknown>;
}

const QuickJS = await getQuickJS();

function toHandle(vm: QuickJSContext, value: unknown): QuickJSHandle {
  const json = vm.getProp(vm.global, "JSON");
  const parse = vm.getProp(json, "parse");
  const text = vm.newString(JSON.stringify(value));
  try {
    return vm.unwrapResult(vm.callFunction(parse, json, text));
  } finally {
    text.dispose();
    parse.dispose();
    json.dispose();
  }
}

/** Runs one command of `source` in a fresh QuickJS runtime (64 MB, 5 s), then disposes it. */
export function runQuickJs(source: string, request: QuickJsRequest, http: SyncHttp): unknown {
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(64 * 1024 * 1024);
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + 5_000));
  const vm = runtime.newContext();
  try {
    const api = vm.newObject();
    const httpObject = vm.newObject();
    const get = vm.newFunction("get", (urlHandle) => {
      const response = http(vm.getString(urlHandle));
      return toHandle(vm, response);
    });
    vm.setProp(httpObject, "get", get);
    get.dispose();
    vm.setProp(api, "http", httpObject);
    httpObject.dispose();
    for (const key of ["params", "config", "variables"] as const) {
      const handle = toHandle(vm, request[key]);
      vm.setProp(api, key, handle);
      handle.dispose();
    }
    vm.setProp(vm.global, "patchbay", api);
    api.dispose();
    vm.unwrapResult(vm.evalCode(source)).dispose();
    const fn = vm.getProp(vm.global, request.command);
    const result = vm.unwrapResult(vm.callFunction(fn, vm.undefined));
    fn.dispose();
    const value = vm.dump(result);
    result.dispose();
    return value;
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}
