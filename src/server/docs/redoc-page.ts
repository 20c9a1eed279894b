import { assetUrl, type DocsPageOptions } from "./docs-page.ts";

/** What the Redoc page needs to know: the same as the Swagger page. */
export type RedocPageOptions = DocsPageOptions;

function asset(options: RedocPageOptions, file: string): string {
  return assetUrl(options, "redoc", file);
}

/**
 * The /redoc HTML page: Redoc's standalone bundle, served from the `redoc` package, reading this server's
 * document. Every URL in it is one of ours (no web fonts, no CDN); the route's CSP keeps it so.
 */
export function redocPageHtml(options: RedocPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Patchbay API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<noscript>The reference needs JavaScript; the document itself is at
<a href="${options.basePath}/openapi.yaml">openapi.yaml</a> and <a href="${options.basePath}/openapi.json">openapi.json</a>.</noscript>
<div id="redoc"></div>
<script src="${asset(options, "redoc.standalone.js")}"></script>
<script src="${asset(options, "redoc-init.js")}"></script>
</body>
</html>
`;
}

/** The script that starts Redoc, served as a file so the page's CSP can forbid inline scripts. */
export function redocInitScript(options: RedocPageOptions): string {
  const config = { expandResponses: "200,201", pathInMiddlePanel: true };
  return `"use strict";
window.addEventListener("load", function () {
  Redoc.init(${JSON.stringify(`${options.basePath}/openapi.json`)}, ${JSON.stringify(config)}, document.getElementById("redoc"));
});
`;
}
