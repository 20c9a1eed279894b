import { UsageError } from "./usage-error.ts";

/**
 * The MCP endpoint of the Patchbay at `base`: `<base>/mcp`, keeping a path prefix the service is mounted
 * under (a reverse proxy's `/patchbay`). A base that already names the endpoint is taken as it is. The
 * query is kept: it narrows the tools the endpoint offers (`?connection=…&tools=connectors`).
 */
export function mcpEndpoint(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(
      `mcp: --url must be an http(s) URL such as https://patchbay.example.com (got "${base}")`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`mcp: --url must be an http(s) URL (got a ${url.protocol} URL)`);
  }
  // Credentials in the URL would travel as Basic auth next to the bearer key and show up in every line
  // that names the endpoint; the key belongs in the environment variable.
  if (url.username !== "" || url.password !== "") {
    throw new UsageError(
      "mcp: --url must not carry a user name or password; put the API key in the key variable",
    );
  }
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith("/mcp") ? path : `${path}/mcp`;
  url.hash = "";
  return url;
}
