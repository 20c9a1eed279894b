import { randomBytes } from "node:crypto";

/**
 * A fresh `secret_token` for Telegram's setWebhook: 48 characters of A-Z a-z 0-9 _ - (36 random
 * bytes as base64url, 288 bits), inside Telegram's 1–256 limit.
 */
export function generateTelegramSecretToken(random: (size: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(36)).toString("base64url");
}
