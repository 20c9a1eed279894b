/** The one-time notice that shows a generated admin key, with how to use it (standard error, never the log). */
export function adminKeyNotice(key: string, port: number): string {
  return [
    "",
    "Patchbay created an admin API key. It is shown only this once; store it somewhere safe:",
    "",
    `    ${key}`,
    "",
    `Use it as a bearer token, for example:  curl -H "Authorization: Bearer ${key}" http://localhost:${port}/patchbay.v1.CatalogService/ListConnectors -H 'Content-Type: application/json' -d '{}'`,
    "Create narrower keys with:  npx patchbay keys create --subject <who> --scope catalog:read",
    "",
  ].join("\n");
}
