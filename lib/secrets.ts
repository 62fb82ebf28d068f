import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Secrets at rest: AES-256-GCM with a key from Slipway's environment (SLIPWAY_SECRET_KEY, 32 bytes
 * base64). Without one, the first start generates a key under the data directory, never in git.
 * The format carries a version so the key can be rotated later.
 */
const FORMAT = "v1";

export class SecretKeyError extends Error {}

function key(): Buffer {
  const encoded = process.env.SLIPWAY_SECRET_KEY;
  if (!encoded) throw new SecretKeyError("SLIPWAY_SECRET_KEY is not set: secrets cannot be encrypted or decrypted.");
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== 32) throw new SecretKeyError("SLIPWAY_SECRET_KEY must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`).");
  return bytes;
}

export function encryptSecret(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [FORMAT, iv.toString("base64"), cipher.getAuthTag().toString("base64"), ciphertext.toString("base64")].join(":");
}

export function decryptSecret(sealed: string): string {
  const [format, iv, tag, ciphertext] = sealed.split(":");
  if (format !== FORMAT || !iv || !tag || ciphertext === undefined) throw new SecretKeyError("A stored secret has an unknown format.");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString("utf8");
  } catch {
    // Never echo what failed to decrypt: only that the key does not fit.
    throw new SecretKeyError("A stored secret cannot be decrypted with this SLIPWAY_SECRET_KEY (was the key changed?).");
  }
}

/** Sets SLIPWAY_SECRET_KEY from `<dataDir>/secret-key`, generating it on first start. */
export function ensureSecretKey(dataDir: string): void {
  if (process.env.SLIPWAY_SECRET_KEY) return;
  const file = path.join(dataDir, "secret-key");
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  process.env.SLIPWAY_SECRET_KEY = fs.readFileSync(file, "utf8").trim();
}
