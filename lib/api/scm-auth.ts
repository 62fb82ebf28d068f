import { createHmac, timingSafeEqual } from "node:crypto";
import type { SourceControlProvider } from "@/lib/domain/scm-events";

/** Which provider sent a delivery, from its headers; null when neither's headers are there. */
export function providerOf(headers: Headers): { provider: SourceControlProvider; event: string } | null {
  const github = headers.get("x-github-event");
  if (github) return { provider: "github", event: github };
  const gitlab = headers.get("x-gitlab-event");
  if (gitlab) return { provider: "gitlab", event: gitlab };
  return null;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks a delivery the way each provider authenticates it: GitHub signs the raw body with
 * HMAC-SHA256 (`X-Hub-Signature-256: sha256=<hex>`); GitLab sends the shared secret itself
 * (`X-Gitlab-Token`). Returns why it fails, or null when it holds. Comparisons take constant time.
 */
export function authenticateDelivery(provider: SourceControlProvider, headers: Headers, raw: string, secret: string): string | null {
  if (provider === "github") {
    const signature = headers.get("x-hub-signature-256");
    if (!signature) return "Send X-Hub-Signature-256 (set a secret on the GitHub webhook).";
    const expected = "sha256=" + createHmac("sha256", secret).update(raw, "utf8").digest("hex");
    return sameText(signature.trim().toLowerCase(), expected) ? null : "X-Hub-Signature-256 does not match the body: the webhook's secret differs from SLIPWAY_SCM_WEBHOOK_SECRET.";
  }
  const token = headers.get("x-gitlab-token");
  if (!token) return "Send X-Gitlab-Token (set a secret token on the GitLab webhook).";
  return sameText(token, secret) ? null : "X-Gitlab-Token is not the secret Slipway expects (SLIPWAY_SCM_WEBHOOK_SECRET).";
}
