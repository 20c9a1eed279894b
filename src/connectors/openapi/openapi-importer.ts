import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
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
  | { id: number; kind: "done"; draft: Omit<OpenApiDraft, "openapi">; plan: string }
  | { id: number; kind: "failed"; code: Code; message: string };

/** Heap of the import worker: a pathological document fails its import, not the service. */
export const WORKER_HEAP_MB = 1024;
/**
 * V8 flags of the worker process: its heap cap, and a small young generation (the import's garbage is
 * short-lived, and V8's default semi-spaces would add tens of MiB of resident memory for no measurable
 * speed, bench/openapi).
 */
const WORKER_FLAGS = [`--max-old-space-size=${WORKER_HEAP_MB}`, "--max-semi-space-size=8"];
/** What V8 prints when a heap cap is hit (`FATAL ERROR: … JavaScript heap out of memory`). */
const OUT_OF_MEMORY = /heap out of memory/i;
/** Imports waiting for the worker beyond this are refused (RESOURCE_EXHAUSTED). */
export const MAX_WAITING = 8;
/**
 * One tenant's imports, running and waiting, beyond this are refused (RESOURCE_EXHAUSTED): one tenant
 * cannot fill the queue the whole server shares, and another's import still gets a place. A description
 * fetched from a URL holds its place while it is fetched, so one tenant also cannot make the server
 * fetch more than this many descriptions (each up to PATCHBAY_MAX_OPENAPI_BYTES) at once.
 */
export const MAX_PER_TENANT = 2;
/**
 * Longest one import may run; then the worker is ended and the import fails (DEADLINE_EXCEEDED). It only
 * stops runaway work: what is accepted is decided by counted limits (size, nodes, depth, `$ref`s, the
 * work of the dereferenced description, operations, imported bytes). The largest description measured
 * (DocuSign's) imports in 5 s on an idle machine and 6 to 12 s on a loaded one, and validating one at the
 * expansion limit takes 11 to 19 s idle (bench/README.md), so a description is not refused because the
 * machine is busy; one that slips past the counts holds the worker, which every tenant shares, at most
 * this long.
 */
export const IMPORT_TIMEOUT_MS = 60_000;
/** An idle worker is ended after this long, giving its memory back. */
const IDLE_MS = 30_000;

/**
 * A description to import, or what fetches it (ParseOpenApi's `url`): called only once the import has
 * its tenant's place, so a refused import fetches nothing.
 */
export type ImportInput = string | object | (() => Promise<string>);

/** Options of {@link OpenApiImporter.parse} beyond the import's own. */
export interface OffThreadOptions extends ParseOpenApiOptions {
  /** The caller went away: a waiting import is dropped, a running one ends with its worker. */
  signal?: AbortSignal;
  /**
   * The tenant the import is for: at most {@link MAX_PER_TENANT} of its imports run or wait at once.
   * Absent for a one-shot command, which has the importer to itself.
   */
  tenant?: string;
}

/**
 * `parseOpenApi` (parse-openapi.ts) in a worker process, one import at a time: parsing, validating,
 * building the plan and serialising it take CPU seconds and hundreds of MiB that would otherwise stall
 * every other call on the service's event loop and stay in its memory; a document that exhausts the
 * worker's heap fails its own import (RESOURCE_EXHAUSTED), one that runs past
 * {@link IMPORT_TIMEOUT_MS} fails with DEADLINE_EXCEEDED, not the service; and the parser's modules and
 * garbage live in the worker, which ends after 30 s idle, its memory returned to the system.
 */
export interface OpenApiImporter {
  /**
   * Imports one description; at most {@link MAX_WAITING} imports wait behind the running one, and at
   * most {@link MAX_PER_TENANT} of one tenant's run or wait (more are refused with RESOURCE_EXHAUSTED).
   */
  parse(input: ImportInput, options?: OffThreadOptions): Promise<OpenApiDraft>;
  /**
   * Ends the worker now: the running import and every waiting one fail as stopped. For shutdown and
   * one-shot commands (the parser may leave timers in the worker after a refusal). A later import starts
   * a new worker.
   */
  close(): Promise<void>;
}

interface Pending {
  request: ImportRequest;
  onProgress: ((progress: ImportProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  resolve(draft: OpenApiDraft): void;
  reject(error: unknown): void;
}

/**
 * Creates an importer with its own worker process (started on the first import). The server builds one
 * and closes it when it stops; a command builds its own for its process.
 */
export function createOpenApiImporter(): OpenApiImporter {
  let worker: ChildProcess | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let importTimer: NodeJS.Timeout | undefined;
  let running: Pending | undefined;
  const waiting: Pending[] = [];
  /** Imports running or waiting, by tenant. */
  const tenants = new Map<string, number>();
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
    if (ended !== undefined && ended.exitCode === null && ended.signalCode === null) ended.kill("SIGKILL");
  }

  function startWorker(): ChildProcess {
    // A process, not a thread: when it ends, every page it used goes back to the system (a thread's
    // stay with the service's allocator), and it holds none of the service's settings or secrets.
    const started = fork(fileURLToPath(new URL("./parse-openapi-worker.ts", import.meta.url)), [], {
      execArgv: WORKER_FLAGS,
      env: {},
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    // Only V8's out-of-memory line is looked for; the rest is dropped (never logged: it could quote the
    // document).
    let stderr = "";
    started.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("latin1")).slice(-4096);
    });
    started.on("message", (reply: ImportReply) => {
      const current = running;
      if (worker !== started || current === undefined || reply.id !== current.request.id) return;
      if (reply.kind === "progress") {
        current.onProgress?.(reply.progress);
        return;
      }
      clearTimeout(importTimer);
      running = undefined;
      // The plan comes as JSON text whose size the import bounded; parsing it is the service's only work.
      if (reply.kind === "done") current.resolve({ ...reply.draft, openapi: JSON.parse(reply.plan) });
      else current.reject(new ConnectError(reply.message, reply.code));
      next();
    });
    const lost = () => {
      if (worker !== started) return; // ended on purpose (timeout, abort, close) or already handled
      const field = running?.request.options.field ?? "document";
      endWorker(
        OUT_OF_MEMORY.test(stderr)
          ? new ConnectError(
              `${field}: the description needs more than ${WORKER_HEAP_MB} MB to import`,
              Code.ResourceExhausted,
            )
          : new ConnectError("the import worker stopped unexpectedly", Code.Internal),
      );
      next();
    };
    // "close" comes after the process exited and its standard error was read to the end.
    started.on("close", lost);
    started.on("error", lost);
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
      // An idle worker does not keep the service (or a command) running.
      worker?.channel?.unref();
      worker?.unref();
      return;
    }
    clearTimeout(idleTimer);
    running = pending;
    worker ??= startWorker();
    worker.ref();
    worker.channel?.ref();
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
    worker.send(pending.request);
  }

  async function close(): Promise<void> {
    clearTimeout(idleTimer);
    const stopped = () =>
      new ConnectError("the import was stopped: the server is shutting down", Code.Aborted);
    for (const pending of waiting.splice(0)) pending.reject(stopped());
    const ending = worker;
    const exited =
      ending === undefined || ending.exitCode !== null || ending.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            ending.once("exit", () => resolve());
            ending.ref(); // an idle worker is unreferenced: the caller waits for it to be gone
          });
    endWorker(stopped());
    await exited;
  }

  /** The refusal of an import while the server's queue is full, or `undefined` when it has room. */
  function queueFull(): ConnectError | undefined {
    if (waiting.length < MAX_WAITING) return undefined;
    return new ConnectError(
      `${MAX_WAITING} OpenAPI imports are already waiting on this server (the most it queues); try again shortly`,
      Code.ResourceExhausted,
    );
  }

  function parse(input: ImportInput, options: OffThreadOptions = {}): Promise<OpenApiDraft> {
    const { onProgress, signal, tenant, ...rest } = options;
    const held = tenant === undefined ? 0 : (tenants.get(tenant) ?? 0);
    if (held >= MAX_PER_TENANT) {
      return Promise.reject(
        new ConnectError(
          `this tenant already has ${MAX_PER_TENANT} OpenAPI imports running or waiting (the most one tenant may); try again when one has finished`,
          Code.ResourceExhausted,
        ),
      );
    }
    const full = queueFull();
    if (full !== undefined) return Promise.reject(full);
    if (signal?.aborted)
      return Promise.reject(new ConnectError("the caller canceled the import", Code.Canceled));
    if (tenant !== undefined) tenants.set(tenant, held + 1);
    // A description behind a URL is fetched holding the place; the queue may have filled meanwhile.
    const imported =
      typeof input === "function"
        ? (input as () => Promise<string>)().then((fetched) => {
            const fullNow = queueFull();
            if (fullNow !== undefined) throw fullNow;
            if (signal?.aborted) throw new ConnectError("the caller canceled the import", Code.Canceled);
            return enqueue(fetched, rest, onProgress, signal);
          })
        : enqueue(input, rest, onProgress, signal);
    if (tenant === undefined) return imported;
    // The tenant's place is given back however the import ends (done, failed, canceled, stopped).
    return imported.finally(() => {
      const left = (tenants.get(tenant) ?? 1) - 1;
      if (left > 0) tenants.set(tenant, left);
      else tenants.delete(tenant);
    });
  }

  /** Queues an import for the worker; it settles when the worker has answered it (or it was dropped). */
  function enqueue(
    input: string | object,
    rest: ImportRequest["options"],
    onProgress: ((progress: ImportProgress) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<OpenApiDraft> {
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
            pending.reject(canceled);
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

  return { parse, close };
}
