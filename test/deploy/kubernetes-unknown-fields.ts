import ts from "typescript";
import { repoPath } from "./deploy-files.ts";

/** A manifest to check, and the kubernetes-models interface that types it. */
export interface TypedManifest {
  readonly label: string;
  readonly value: unknown;
  /** Module and interface, e.g. `kubernetes-models/apps/v1/Deployment` and `IDeployment`. */
  readonly module: string;
  readonly type: string;
}

/**
 * Fields the Kubernetes API does not define, as `kubectl apply --validate=strict` refuses them: the JSON
 * schemas leave additionalProperties open, so a misspelt `readinesProbe` would pass them. Each manifest
 * becomes an object literal assigned to its kubernetes-models interface (generated from the same
 * OpenAPI definitions), and TypeScript's excess-property check names every unknown field at any depth.
 * Answers one line per problem (empty when every field is known and well typed).
 */
export function unknownFields(manifests: readonly TypedManifest[]): string[] {
  const fileName = repoPath("test/deploy/__manifests__.ts");
  const text = manifests
    .map(
      (m, n) =>
        `import type { ${m.type} as T${n} } from ${JSON.stringify(m.module)};\n` +
        `export const m${n}: T${n} = ${JSON.stringify(m.value, null, 1)};\n`,
    )
    .join("\n");
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, create) =>
    name === fileName
      ? ts.createSourceFile(name, text, language)
      : getSourceFile(name, language, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const source = program.getSourceFile(fileName);
  const starts = manifests.map((_, n) => text.indexOf(`export const m${n}:`));
  return ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
    const at = diagnostic.start ?? 0;
    const index = starts.findLastIndex((start) => start <= at);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    return `${manifests[index]?.label ?? "?"}: ${message}`;
  });
}
