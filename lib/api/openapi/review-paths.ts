import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { createReviewInput, extendInput, teardownInput, verdictBody } from "@/lib/services/review-environments";
import { environmentSchema, errorSchema } from "../schemas";
import { conflict, errors, json, mutation, notFound, refused } from "./common";

const reviewEnvironmentSchema = environmentSchema
  .extend({
    verdicts: z
      .array(z.object({ verdict: z.enum(["accepted", "changes-requested"]), comment: z.string(), by: z.string(), releaseId: z.string().nullable(), at: z.string() }))
      .meta({ description: "The delivery lead's conversation, oldest first" }),
    deploymentId: z.string().optional().meta({ description: "The deployment that provisions it (on create): follow it at /deployments/{id}" }),
  })
  .meta({ id: "ReviewEnvironment" });

const pullRequestOutcomeSchema = z
  .object({
    outcome: z.enum(["created", "redeployed", "tearing-down", "kept", "unchanged", "waiting-for-release", "nothing-to-tear-down", "ignored"]),
    environment: z.string().nullable().optional(),
    openRequests: z.array(z.string()).optional().meta({ description: "kept: the open requests that still use the environment" }),
    deploymentId: z.string().optional(),
    message: z.string(),
  })
  .meta({ id: "PullRequestOutcome" });

const name = z.object({ name: z.string().meta({ description: "The review environment's name (a DNS label)" }) });

/** Review environments on demand, and the source-control webhook that drives them. */
export const reviewPaths: ZodOpenApiPathsObject = {
  "/review-environments": {
    post: mutation({
      summary: "Spin up a review environment from a branch",
      description:
        "Cloned from `source` (staging by default): its config variables (secrets by reference) and its data. " +
        "Only sources slipway.yaml's `reviewEnvironments.sources` lists may be cloned (default: `reviewEnvironments.source`; else 422 `source_not_allowed`), " +
        "and only by someone who may deploy into the source (403 otherwise); config is copied only when the caller may see the source's config. " +
        'With `clone: "changed"` (the default) it runs only the apps whose build (digest) differs from the source\'s, one cell each; ' +
        "the source serves the others (their addresses are the source's, and its apps receive them as `SLIPWAY_URL_<APP>`); " +
        'a release that differs in no app is refused with 422 `nothing_differs`. `clone: "full"` runs every app. ' +
        "Returns 202 while it provisions; follow `deploymentId`. The name defaults to one derived from the branch. " +
        "Quotas per person and in total (slipway.yaml `reviewEnvironments.quota`) refuse with 422. " +
        "A branch has one live review environment (per repository): a second is refused with 409 `branch_has_review`, naming the one it has in `error.fields.branch`.",
      requestBody: { content: { "application/json": { schema: createReviewInput } } },
      responses: { "202": json(reviewEnvironmentSchema, "Provisioning"), ...errors, ...conflict, ...refused },
    }),
  },
  "/review-environments/{name}": {
    get: { summary: "A live review environment with its verdicts", requestParams: { path: name }, responses: { "200": json(reviewEnvironmentSchema, "The environment"), ...errors, ...notFound } },
    delete: mutation({
      summary: "Tear a review environment down (owner, delivery lead, tech lead or admin)",
      description: "Processes stop, data and config are removed; the record stays in history. Deployments still waiting for it are cancelled.",
      path: name,
      requestBody: { required: false, content: { "application/json": { schema: teardownInput.omit({ name: true }) } } },
      responses: { "202": json(reviewEnvironmentSchema, "Tearing down"), ...errors, ...notFound },
    }),
  },
  "/review-environments/{name}/verdicts": {
    post: mutation({
      summary: "The delivery lead's verdict: accepted, or changes requested (with a comment)",
      description: "An accepted review environment lets its release be promoted into the environment it was cloned from, through that environment's gates.",
      path: name,
      requestBody: { content: { "application/json": { schema: verdictBody } } },
      responses: { "201": json(reviewEnvironmentSchema, "Recorded"), ...errors, ...notFound, ...refused },
    }),
  },
  "/review-environments/{name}/extend": {
    post: mutation({
      summary: "Push the expiry out (owner or a lead), up to slipway.yaml's maxTtl",
      path: name,
      requestBody: { content: { "application/json": { schema: extendInput.omit({ name: true }) } } },
      responses: { "200": json(reviewEnvironmentSchema, "Extended"), ...errors, ...notFound, ...refused },
    }),
  },
  "/webhooks/source-control": {
    post: {
      summary: "Pull-request events from GitHub or merge-request events from GitLab (no token)",
      description:
        "Point a GitHub webhook (content type `application/json`, event `Pull requests`) or a GitLab webhook (`Merge request events`) here, " +
        "with the secret set in `SLIPWAY_SCM_WEBHOOK_SECRET`. GitHub signs each delivery (`X-Hub-Signature-256`); GitLab sends the secret (`X-Gitlab-Token`). " +
        "opened/reopened → a review environment for the branch running the release of the head commit (else the branch's newest); " +
        "synchronize/update → that release deployed into it; closed/merged → the request is closed, and the environment torn down only when no other open request " +
        "(provider, repository, number) uses it (`kept` otherwise). Later releases of the branch follow into it by themselves. " +
        "A request from a fork (head repository ≠ base repository) gets an environment of its own (named after the fork's owner), takes only the release of its exact head commit, " +
        "and never shares with, or tears down, ours of the same branch name. " +
        "Each delivery is applied once (by `X-GitHub-Delivery` / `X-Gitlab-Event-UUID` and by its signature or body, remembered 30 days): a replay answers 409 `replayed_delivery`.",
      security: [],
      requestParams: {
        header: z.object({
          "X-GitHub-Event": z.string().optional().meta({ description: "GitHub: `pull_request` (or `ping`)" }),
          "X-Hub-Signature-256": z.string().optional().meta({ description: "GitHub: sha256=<hex HMAC-SHA256 of the raw body>" }),
          "X-Gitlab-Event": z.string().optional().meta({ description: "GitLab: `Merge Request Hook`" }),
          "X-Gitlab-Token": z.string().optional().meta({ description: "GitLab: the webhook's secret token" }),
          "X-GitHub-Delivery": z.string().optional().meta({ description: "GitHub: the delivery's id (a delivery is applied once)" }),
          "X-Gitlab-Event-UUID": z.string().optional().meta({ description: "GitLab: the delivery's id (a delivery is applied once)" }),
        }),
      },
      requestBody: { content: { "application/json": { schema: z.record(z.string(), z.unknown()).meta({ description: "The provider's payload, as it sends it" }) } } },
      responses: {
        "202": json(pullRequestOutcomeSchema, "Created, redeployed or tearing down"),
        "200": json(pullRequestOutcomeSchema, "Nothing to change (or an event that is not used)"),
        "400": json(errorSchema, "Not a GitHub or GitLab delivery, or a payload missing what is needed"),
        "401": json(errorSchema, "Missing or wrong signature or token"),
        "409": json(errorSchema, "`replayed_delivery`: this delivery was already accepted"),
        "422": json(errorSchema, "Refused by the rules (e.g. the review environment quota)"),
        "503": json(errorSchema, "The webhook is not configured (no SLIPWAY_SCM_WEBHOOK_SECRET)"),
      },
    },
  },
};
