// RFC 9110 §5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Framing and connection headers belong to the HTTP client (a wrong Content-Length or Transfer-Encoding
// smuggles a second request), Host to the target URL; Cookie is built from cookie params and keys,
// Accept from the success response's media type (OpenAPI ignores Accept, Content-Type and Authorization
// header params), Content-Type from the body.
const SET_BY_PATCHBAY =
  /^(?:host|content-length|content-type|connection|transfer-encoding|keep-alive|upgrade|te|trailer|proxy-.*|cookie|accept)$/i;

/**
 * Why a description may not set header `name`, as a phrase ("is set by Patchbay"), or undefined when
 * it may. A header param may not set Authorization either; an API key may (a common scheme).
 */
export function headerNameProblem(name: string, use: "param" | "apiKey"): string | undefined {
  if (!TOKEN.test(name)) return "is not a valid header name";
  if (SET_BY_PATCHBAY.test(name) || (use === "param" && /^authorization$/i.test(name)))
    return "is set by Patchbay";
  return undefined;
}
