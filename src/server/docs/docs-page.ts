/** What the docs page and its init script need to know. */
export interface DocsPageOptions {
  /** URL path prefix of every docs route ("" or "/something"). */
  readonly basePath: string;
  /** Appended to asset URLs as `?v=` so they can be cached as immutable. */
  readonly assetVersion: string;
}

/** The URL of one of a docs page's assets (`folder`: the page's route, `docs` or `redoc`). */
export function assetUrl(options: DocsPageOptions, folder: string, file: string): string {
  return `${options.basePath}/${folder}/assets/${file}?v=${encodeURIComponent(options.assetVersion)}`;
}

function asset(options: DocsPageOptions, file: string): string {
  return assetUrl(options, "docs", file);
}

/**
 * The /docs HTML page. Every URL in it is one of ours: the machines have no internet, and the page's CSP
 * (set by the route) keeps the browser from reaching anything else even if Swagger UI tried.
 */
export function docsPageHtml(options: DocsPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Patchbay API reference</title>
<link rel="icon" type="image/png" href="${asset(options, "favicon-32x32.png")}">
<link rel="stylesheet" href="${asset(options, "swagger-ui.css")}">
</head>
<body>
<noscript>The interactive reference needs JavaScript; the document itself is at
<a href="${options.basePath}/openapi.yaml">openapi.yaml</a> and <a href="${options.basePath}/openapi.json">openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${asset(options, "swagger-ui-bundle.js")}"></script>
<script src="${asset(options, "docs-init.js")}"></script>
</body>
</html>
`;
}

/**
 * The script that starts Swagger UI, served as a file so the page's CSP can forbid inline scripts.
 * validatorUrl: null stops the badge that would send the document to validator.swagger.io, and the explicit
 * `url` replaces the petstore default. BaseLayout has no "Explore" bar, so the page only ever shows ours.
 */
export function docsInitScript(options: DocsPageOptions): string {
  const config = {
    url: `${options.basePath}/openapi.json`,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    layout: "BaseLayout",
    displayOperationId: true,
    persistAuthorization: false,
  };
  return `"use strict";
window.addEventListener("load", function () {
  var config = ${JSON.stringify(config)};
  config.presets = [SwaggerUIBundle.presets.apis];
  window.ui = SwaggerUIBundle(config);
});
`;
}
