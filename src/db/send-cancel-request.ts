import net from "node:net";

/** Where a backend runs and the key that lets another connection cancel its statement. */
export interface BackendKey {
  /** Host name, IP address, or a Unix socket folder (starting with `/`). */
  readonly host: string;
  readonly port: number;
  readonly processId: number;
  readonly secretKey: number;
}

// CancelRequest (PostgreSQL protocol, "Message Formats"): length 16, code 80877102, process id, secret key.
const CANCEL_REQUEST_CODE = 80_877_102;

/**
 * Asks PostgreSQL to cancel whatever statement a backend is running, the way libpq's `PQcancel` does:
 * a new socket that sends one CancelRequest packet and no credentials, so it needs no free connection
 * slot and no password. Resolves once the server has closed that socket (it has then signalled the
 * backend) or after `timeoutMs`; never rejects — a cancel that does not arrive leaves the statement
 * to the statement timeout.
 */
export function sendCancelRequest(backend: BackendKey, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const socket = backend.host.startsWith("/")
      ? net.connect(`${backend.host}/.s.PGSQL.${backend.port}`)
      : net.connect(backend.port, backend.host);
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    packet.writeInt32BE(backend.processId, 8);
    packet.writeInt32BE(backend.secretKey, 12);
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.once("connect", () => socket.end(packet));
    socket.once("error", () => socket.destroy());
    socket.once("close", () => resolve());
  });
}
