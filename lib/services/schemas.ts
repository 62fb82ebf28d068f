import { LIMITS } from "@/lib/limits";
import { z } from "zod";

/**
 * Field schemas shared by the services' inputs (and therefore the REST API and its OpenAPI
 * document). Each says in its message what was expected.
 */
export const dnsLabel = z.string().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: "expected a lowercase name of letters, digits and dashes (a DNS label)" });

const LABEL = "[a-z]([a-z0-9-]{0,61}[a-z0-9])?";

/** A pipeline's name, e.g. `shop`. */
export const pipelineName = dnsLabel.meta({ description: "A pipeline, e.g. `shop`", example: "shop" });

/**
 * An environment reference: `"<pipeline>/<environment>"`, or a bare `"<environment>"` that exists in
 * one pipeline only (otherwise 409 `ambiguous` with the candidates). See lib/services/pipeline-scope.ts.
 */
export const environmentRef = z
  .string()
  .regex(new RegExp(`^(${LABEL}/)?${LABEL}$`), { error: 'expected an environment, e.g. "prod", or "<pipeline>/<environment>", e.g. "shop/prod"' })
  .meta({ description: 'An environment: "shop/prod", or "prod" when only one pipeline has it', example: "prod" });

/** An app reference: `"<pipeline>/<app>"` or a bare `"<app>"` (see environmentRef). */
export const appRef = z
  .string()
  .regex(new RegExp(`^(${LABEL}/)?${LABEL}$`), { error: 'expected an app, e.g. "portal", or "<pipeline>/<app>", e.g. "shop/portal"' })
  .meta({ description: 'An app: "shop/portal", or "portal" when only one pipeline has it', example: "portal" });

export const appName = dnsLabel.meta({ description: "An app of the pipeline, e.g. `portal`", example: "portal" });

export const commitSha = z
  .string()
  .regex(/^[0-9a-f]{7,64}$/i, { error: "expected a commit SHA of 7 to 64 hex characters" })
  .transform((s) => s.toLowerCase())
  .meta({ description: "Git commit SHA", example: "9fceb02d0ae598e95dc970b74767f19372d61af8" });

// git check-ref-format, simplified: no spaces or control characters, no "..", no leading "-".
export const branchName = z
  .string()
  .min(1, { error: "expected a branch name" })
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)[^\s~^:?*[\\\x00-\x1f\x7f]+(?<![./])$/, { error: "expected a git branch name such as main or feature/checkout" })
  .meta({ example: "develop" });

export const digest = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, { error: "expected sha256:<64 lowercase hex characters>" })
  .meta({ description: "Content digest of the artifact", example: `sha256:${"ab".repeat(32)}` });

export const version = z
  .string()
  .min(1, { error: "expected a version such as 1.4.0" })
  .max(128)
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/, { error: "expected a version of letters, digits, dots, dashes, plus or underscore, e.g. 1.4.0" })
  .meta({ example: "1.4.0" });

export const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).max(2048);

export const reason = z
  .string()
  .trim()
  .max(LIMITS.reason, { error: `at most ${LIMITS.reason} characters` });

export const id = z.string().min(1).max(100);
