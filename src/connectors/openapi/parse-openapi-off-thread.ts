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
/** An idle worker is ended after this long, giving its memory back. */
const IDLE_MS = 30_000;

interface Pending {
  request: ImportRequest;
  onProgress: ((progress: ImportProgress) => void) | undefined;
  resolve(draft: OpenApiDraft): void;
  reject(error: unknown): void;
}

let worker: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let running: Pending | undefined;
const waiting: Pending[] = [];
let nextId = 1;

function startWorker(): Worker {
  const started = new Worker(new URL("./parse-openapi-worker.ts", import.meta.url), {
    // A small young generation: the import's garbage is short-lived, and V8's default (2 × 32 MiB
    // semi-spaces) would add tens of MiB of resident memory for no measurable speed (bench/openapi).
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 16 },
  });
  started.unref();
  started.on("message", (reply: ImportReply) => {
    const current = running;
    if (current === undefined || reply.id !== current.request.id) return;
    if (reply.kind === "progress") {
      current.onProgress?.(reply.progress);
      return;
    }
    running = undefined;
    if (reply.kind === "done") current.resolve(reply.draft);
    else current.reject(new ConnectError(reply.message, reply.code));
    next();
  });
  const lost = (error?: Error) => {
    if (worker !== started) return;
    worker = undefined;
    const current = running;
    running = undefined;
    const outOfMemory = (error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
    current?.reject(
      new ConnectError(
        outOfMemory
          ? `${current.request.options.field ?? "document"}: the description needs more than ${WORKER_HEAP_MB} MB to import`
          : "the import worker stopped unexpectedly",
        outOfMemory ? Code.ResourceExhausted : Code.Internal,
      ),
    );
    next();
  };
  started.on("error", lost);
  started.on("exit", () => lost());
  return started;
}

function next(): void {
  if (running !== undefined) return;
  const pending = waiting.shift();
  if (pending === undefined) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const idle = worker;
      worker = undefined;
      void idle?.terminate();
    }, IDLE_MS);
    idleTimer.unref();
    return;
  }
  clearTimeout(idleTimer);
  running = pending;
  worker ??= startWorker();
  worker.postMessage(pending.request);
}

/**
 * Ends the import worker now (a running import fails as stopped); the next import starts a new one.
 * For shutdown and one-shot commands: the parser may leave timers in the worker after a refusal.
 */
export async function closeImportWorker(): Promise<void> {
  clearTimeout(idleTimer);
  const current = worker;
  if (current === undefined) return;
  await current.terminate();
}

/**
 * `parseOpenApi` (parse-openapi.ts) in a worker thread, one import at a time: parsing and validating a
 * large description takes CPU seconds that would otherwise stall every other call on the service's
 * event loop; a document that exhausts the worker's heap fails its own import (RESOURCE_EXHAUSTED), not
 * the process; and the parser's modules and garbage live in the worker, which ends after 30 s idle.
 */
export function parseOpenApiOffThread(
  input: string | object,
  options: ParseOpenApiOptions = {},
): Promise<OpenApiDraft> {
  if (waiting.length >= MAX_WAITING) {
    return Promise.reject(
      new ConnectError("too many OpenAPI imports are waiting; try again shortly", Code.ResourceExhausted),
    );
  }
  const { onProgress, ...rest } = options;
  return new Promise<OpenApiDraft>((resolve, reject) => {
    waiting.push({ request: { id: nextId++, input, options: rest }, onProgress, resolve, reject });
    next();
  });
}
