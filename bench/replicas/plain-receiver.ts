// The anchor of bench/replicas' webhook workload: a plain Node receiver for the same signed GitHub
// deliveries, with no framework and no database. It reads the body, checks its X-Hub-Signature-256
// (HMAC-SHA256 of the body, compared in constant time), parses the JSON and answers 204; a delivery
// without an id, signature or JSON body gets a 400 or 401. Run as one process at the full rate and as two
// at half the rate each, it shows what a second process costs on this machine for work that has no
// coordination at all (bench/replicas/plain-anchor.ts).
// Prints `port=<n>` on stdout once listening; stops on SIGTERM.
//
//   node bench/replicas/plain-receiver.ts <secret>
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";

const secret = process.argv[2];
if (secret === undefined) throw new Error("usage: plain-receiver.ts <secret>");

function signed(body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== "string") return false;
  const expected = Buffer.from(
    `sha256=${createHmac("sha256", secret as string)
      .update(body)
      .digest("hex")}`,
  );
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    if (typeof req.headers["x-github-delivery"] !== "string") return void res.writeHead(400).end();
    if (!signed(body, req.headers["x-hub-signature-256"])) return void res.writeHead(401).end();
    try {
      JSON.parse(body.toString("utf8"));
    } catch {
      return void res.writeHead(400).end();
    }
    res.writeHead(204).end();
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`port=${typeof address === "object" && address !== null ? address.port : 0}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
});
