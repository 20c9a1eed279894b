import { Worker } from "node:worker_threads";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ImportProgress, OpenApiDraft, ParseOpenApiOptions } from "./parse-openapi.ts";

/** A request to the import worker. */
export interface ImportRequest {
  id: number;
  input: string | object;
  options: Omit<ParseOpenApiOptions, "onProgress">;
}

/** The import worker's answers. */
export type ImportReply =
  | { id: number; kind: "progress"; progress: ImportProgress }
  | { id: number; kind: "done"; draft: OpenApiDraft }
  | { id: number; kind: "failed"; code: Code; message: string };

/** Heap of the import worker: a pathological document fails its import, not the service. */
export const WORKER_HEAP_MB = 1024;
/** Imports waiting for the worker beyond this are refused (RESOURCE_EXHAUSTED). */
export const MAX_WAITING = 8;
/** Longest one import may run; then the worker is ended and the import fails (DEADLINE_EXCEEDED). */
export const IMPORT_TIMEOUT_MS = 60_000;
/** An idle worker is ended after this long, giving its memory back. */
const IDLE_MS = 30_000;

/** Options of {@link parseOpenApiOffThread} beyond the import's own. */
export interface OffThreadOptions extends ParseOpenApiOptions {
  /** The caller went away: a waiting import is dropped, a running one ends with its worker. */
  signal?: AbortSignal;
}

interface Pending {
  request: ImportRequest;
  onProgress: ((progress: ImportProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  resolve(draft: OpenApiDraft): void;
  reject(error: unknown): void;
}

let worker: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let importTimer: NodeJS.Timeout | undefined;
let running: Pending | undefined;
const waiting: Pending[] = [];
let nextId = 1;

/** Ends the worker; the import running on it fails with `error`. */
function endWorker(error: ConnectError | undefined): void {
  const ended = worker;
  worker = undefined;
  clearTimeout(importTimer);
  const current = running;
  running = undefined;
  if (current !== undefined)
    current.reject(error ?? new ConnectError("the import was stopped", Code.Aborted));
  if (ended !== undefined) void ended.terminate();
}

function startWorker(): Worker {
  const started = new Worker(new URL("./parse-openapi-worker.ts", import.meta.url), {
    // A small young generation: the import's garbage is short-lived, and V8's default (2 × 32 MiB
    // semi-spaces) would add tens of MiB of resident memory for no measurable speed (bench/openapi).
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 16 },
  });
  started.unref();
  started.on("message", (reply: ImportReply) => {
    const current = running;
    if (worker !== started || current === undefined || reply.id !== current.request.id) return;
    if (reply.kind === "progress") {
      current.onProgress?.(reply.progress);
      return;
    }
    clearTimeout(importTimer);
    running = undefined;
    if (reply.kind === "done") current.resolve(reply.draft);
    else current.reject(new ConnectError(reply.message, reply.code));
    next();
  });
  // An answer that cannot be deserialized would leave its import waiting forever.
  started.on("messageerror", () => {
    if (worker !== started) return;
    endWorker(new ConnectError("the import's result could not be read", Code.Internal));
    next();
  });
  const lost = (error?: Error) => {
    if (worker !== started) return; // ended on purpose (timeout, abort, close) or already handled
    const outOfMemory = (error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
    const field = running?.request.options.field ?? "document";
    endWorker(
      outOfMemory
        ? new ConnectError(
            `${field}: the description needs more than ${WORKER_HEAP_MB} MB to import`,
            Code.ResourceExhausted,
          )
        : new ConnectError("the import worker stopped unexpectedly", Code.Internal),
    );
    next();
  };
  started.on("error", lost);
  started.on("exit", () => lost());
  return started;
}

function next(): void {
  if (running !== undefined) return;
  let pending = waiting.shift();
  while (pending?.signal?.aborted) pending = waiting.shift(); // dropped by its abort listener already
  if (pending === undefined) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => endWorker(undefined), IDLE_MS);
    idleTimer.unref();
    return;
  }
  clearTimeout(idleTimer);
  running = pending;
  worker ??= startWorker();
  const field = pending.request.options.field ?? "document";
  importTimer = setTimeout(() => {
    endWorker(
      new ConnectError(
        `${field}: the import took longer than ${IMPORT_TIMEOUT_MS / 1000} s`,
        Code.DeadlineExceeded,
      ),
    );
    next();
  }, IMPORT_TIMEOUT_MS);
  importTimer.unref();
  worker.postMessage(pending.request);
}

/**
 * Ends the import worker now: the running import and every waiting one fail as stopped. For shutdown and
 * one-shot commands (the parser may leave timers in the worker after a refusal). A later import starts a
 * new worker.
 */
export async function closeImportWorker(): Promise<void> {
  clearTimeout(idleTimer);
  const stopped = () => new ConnectError("the import was stopped: the server is shutting down", Code.Aborted);
  for (const pending of waiting.splice(0)) pending.reject(stopped());
  const ending = worker;
  endWorker(stopped());
  await ending?.terminate();
}

/**
 * `parseOpenApi` (parse-openapi.ts) in a worker thread, one import at a time: parsing and validating a
 * large description takes CPU seconds that would otherwise stall every other call on the service's
 * event loop; a document that exhausts the worker's heap fails its own import (RESOURCE_EXHAUSTED), one
 * that runs past {@link IMPORT_TIMEOUT_MS} fails with DEADLINE_EXCEEDED, not the process; and the
 * parser's modules and garbage live in the worker, which ends after 30 s idle.
 */
export function parseOpenApiOffThread(
  input: string | object,
  options: OffThreadOptions = {},
): Promise<OpenApiDraft> {
  if (waiting.length >= MAX_WAITING) {
    return Promise.reject(
      new ConnectError("too many OpenAPI imports are waiting; try again shortly", Code.ResourceExhausted),
    );
  }
  const { onProgress, signal, ...rest } = options;
  if (signal?.aborted)
    return Promise.reject(new ConnectError("the caller canceled the import", Code.Canceled));
  return new Promise<OpenApiDraft>((resolve, reject) => {
    const pending: Pending = {
      request: { id: nextId++, input, options: rest },
      onProgress,
      signal,
      resolve,
      reject,
    };
    signal?.addEventListener(
      "abort",
      () => {
        const canceled = new ConnectError("the caller canceled the import", Code.Canceled);
        const at = waiting.indexOf(pending);
        if (at >= 0) {
          waiting.splice(at, 1);
          reject(canceled);
        } else if (running === pending) {
          endWorker(canceled);
          next();
        }
      },
      { once: true },
    );
    waiting.push(pending);
    next();
  });
}
