import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomFillSync,
} from "node:crypto";

/** Seals and opens secrets at rest with AES-256-GCM under a key ring. */
export interface SecretBox {
  /** Id of the key new values are sealed with. */
  readonly primaryKeyId: string;
  /** Ids of every key that can open values. */
  readonly keyIds: readonly string[];
  /**
   * Encrypts `plaintext`. `context` (for example `connection:<id>:credentials`) is bound as associated
   * data, so a sealed value copied into another row does not open there.
   */
  seal(plaintext: string | Uint8Array, context: string): string;
  /** Decrypts a value made by `seal` with the same `context`; throws `SecretBoxError` otherwise. */
  open(sealed: string, context: string): Buffer;
  /** Decrypts to UTF-8 text. */
  openText(sealed: string, context: string): string;
  /** True when `sealed` was made with a key other than the primary one (it should be re-sealed). */
  needsReseal(sealed: string): boolean;
}

/** A sealed value that could not be opened: unknown key, wrong context, or tampered bytes. */
export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

const VERSION = "pb1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

const IV_POOL_BYTES = IV_BYTES * 256;

/**
 * A source of fresh random 96-bit IVs, one per secret box. Drawn from a pool filled 256 IVs at a time:
 * one CSPRNG call per IV was half the cost of sealing a webhook payload. (Random IVs; the pool holds
 * nothing secret.)
 */
function createIvSource(): () => Buffer {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + IV_BYTES > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(IV_POOL_BYTES));
      offset = 0;
    }
    const iv = pool.subarray(offset, offset + IV_BYTES);
    offset += IV_BYTES;
    return iv;
  };
}

/** Stable, non-secret id of a key: the first 8 hex digits of a domain-separated SHA-256. */
export function keyIdOf(key: Uint8Array): string {
  return createHash("sha256").update("patchbay/key-id\0").update(key).digest("hex").slice(0, 8);
}

/**
 * Creates a secret box. `keys[0]` seals; every key opens, so a new key can be put first while values
 * sealed under older keys still open (rotation). Sealed format: `pb1.<keyId>.<base64url(iv|ct|tag)>`.
 */
export function createSecretBox(keys: readonly Uint8Array[]): SecretBox {
  if (keys.length === 0) throw new SecretBoxError("a secret box needs at least one key");
  // KeyObjects, made once: handing the cipher raw bytes makes it build (and type-check) one per call.
  const ring = new Map<string, KeyObject>();
  for (const key of keys) {
    if (key.length !== 32) throw new SecretBoxError("every master key must be 32 bytes");
    ring.set(keyIdOf(key), createSecretKey(key));
  }
  const primaryKeyId = keyIdOf(keys[0] as Uint8Array);
  const primary = ring.get(primaryKeyId) as KeyObject;
  const randomIv = createIvSource();

  function parse(sealed: string): { keyId: string; body: Buffer } {
    const [version, keyId, body, extra] = sealed.split(".");
    if (version !== VERSION || keyId === undefined || body === undefined || extra !== undefined) {
      throw new SecretBoxError("not a sealed value");
    }
    return { keyId, body: Buffer.from(body, "base64url") };
  }

  function open(sealed: string, context: string): Buffer {
    const { keyId, body } = parse(sealed);
    const key = ring.get(keyId);
    if (key === undefined) throw new SecretBoxError(`sealed with unknown key ${keyId}`);
    if (body.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError("sealed value is truncated");
    const decipher = createDecipheriv("aes-256-gcm", key, body.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new SecretBoxError("sealed value failed authentication");
    }
  }

  return {
    primaryKeyId,
    keyIds: [...ring.keys()],
    seal(plaintext, context) {
      const iv = randomIv();
      const cipher = createCipheriv("aes-256-gcm", primary, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
      const body = Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${primaryKeyId}.${body.toString("base64url")}`;
    },
    open,
    openText: (sealed, context) => open(sealed, context).toString("utf8"),
    needsReseal: (sealed) => parse(sealed).keyId !== primaryKeyId,
  };
}
