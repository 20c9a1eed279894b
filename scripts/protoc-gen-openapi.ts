// The OpenAPI generator as a `buf generate` local plugin: `local: ["node", "scripts/protoc-gen-openapi.ts"]`
// (see buf.gen.yaml). It reads the patchbay.v1 options (access, rest, rules, oneof_required) from the
// request's descriptors, not from gen/, which this same run rewrites only after every plugin has run: a field
// added to `Rules` shows in the document after one `npm run gen`. It still imports gen/ code for
// google.api.http (through the shared HttpRule parser), which the patchbay protos never change. That works
// with `clean: true` because buf's "smart clean" (bufbuild/buf#4413, in our pinned 1.74) reconciles gen/
// after every plugin has run instead of deleting it first; a gen/ removed by hand has to come back from git
// before `npm run gen` can run.
import { readFileSync } from "node:fs";
import { runNodeJs } from "@bufbuild/protoplugin";
import { createOpenApiPlugin } from "./openapi/openapi-plugin.ts";

const manifest: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const version =
  typeof manifest === "object" &&
  manifest !== null &&
  "version" in manifest &&
  typeof manifest.version === "string"
    ? manifest.version
    : "0.0.0";

runNodeJs(createOpenApiPlugin({ version }));
