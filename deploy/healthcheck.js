// The container's health check: exits 0 when this container's Patchbay answers GET /healthz with 200.
// The image's HEALTHCHECK runs it with the container's environment (PATCHBAY_PORT, PATCHBAY_TLS_CERT).
import http from "node:http";
import https from "node:https";

const tls = Boolean(process.env.PATCHBAY_TLS_CERT);
const port = Number(process.env.PATCHBAY_PORT || 8080);
const request = (tls ? https : http).get(
  // Loopback to its own process: the certificate names the public host, not 127.0.0.1.
  { host: "127.0.0.1", port, path: "/healthz", timeout: 4000, rejectUnauthorized: false },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on("timeout", () => request.destroy(new Error("timed out")));
request.on("error", () => process.exit(1));
