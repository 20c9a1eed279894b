import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

/** A path in the repository, from its root. */
export const repoPath = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A file of the repository as text. */
export const readRepoFile = (path: string): string => readFileSync(repoPath(path), "utf8");

/** Every YAML document of a file, as plain data; a syntax error fails the caller. */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readRepoFile(path)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
    return document.toJS();
  });
}

/** A Kubernetes object as far as these tests read it. */
export interface Manifest {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked against the Kubernetes schemas, not typed here
  readonly spec?: any;
  readonly data?: Record<string, string>;
}

/** Every object of every file in deploy/kubernetes/. */
export function readManifests(): Manifest[] {
  const files = readdirSync(repoPath("deploy/kubernetes")).filter((name) => /\.ya?ml$/.test(name));
  return files.flatMap((name) =>
    readYamlDocuments(`deploy/kubernetes/${name}`).map(
      (doc) => ({ ...(doc as object), file: name }) as Manifest,
    ),
  );
}

/** The one object of a kind (and name); fails when there is not exactly one. */
export function manifestOf(manifests: readonly Manifest[], kind: string, name = "patchbay"): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as Manifest;
}

/**
 * The environment variables src/config.ts reads, by name: each is read once through `read(env, "NAME", …)`
 * (plus the PATCHBAY_OAUTH_<SLUG>_CLIENT_ID/SECRET family, matched by pattern).
 */
export function configVariables(): Set<string> {
  const source = readRepoFile("src/config.ts");
  return new Set([...source.matchAll(/read\(\s*env,\s*"([A-Z0-9_]+)"/g)].map((match) => match[1] as string));
}
