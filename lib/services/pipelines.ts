import { ne } from "drizzle-orm";
import { pipelines, type Pipeline } from "@/db/schema";
import { formatConfigProblems, parsePipelineConfig } from "@/lib/config/load";
import { pipelineSetProblems, type LoadedPipeline } from "@/lib/config/pipeline-set";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, RuleError, type FieldErrors } from "./errors";
import { resolvePipeline } from "./pipeline-scope";
import { syncPipelineIn, type SyncSummary } from "./pipeline-sync";
import { DNS_LABEL_PATTERN } from "@/lib/config/primitives";

/**
 * Registers or updates one pipeline from the text of its YAML file (CI's
 * `PUT /api/v1/pipelines/{name}`): validated exactly like a file in the pipelines directory,
 * checked against the other pipelines (no shared address), then loaded like at start-up, in one
 * transaction with its `pipeline.load` audit event. On any problem nothing changes.
 *
 * @param name the pipeline's name from the path; the YAML's `pipeline.name` must be the same
 * @returns `created` when the pipeline is new; `summary.changed` false when the text is unchanged
 * @throws ForbiddenError without `pipeline.manage` (tech leads and admins)
 * @throws RuleError 422 `invalid_pipeline` listing every problem (with its line) in the message and `fields`;
 *   `pipeline_name_mismatch`; `address_collision`; `environment_name_taken` (from the load)
 */
export async function putPipeline(ctx: ServiceContext, name: string, text: string): Promise<{ pipeline: Pipeline; created: boolean; summary: SyncSummary }> {
  authorizeKind(ctx, "pipeline.manage", "pipeline");
  const source = `PUT /api/v1/pipelines/${name}`;
  if (!DNS_LABEL_PATTERN.test(name)) {
    const expected = 'expected a lowercase name of letters, digits and "-" (starting with a letter, at most 63 characters)';
    throw new RuleError(`The pipeline name "${name}" in the path is not valid: ${expected}.`, "invalid_pipeline", { pipeline: expected });
  }
  const parsed = parsePipelineConfig(text);
  if (!parsed.ok) {
    const fields: FieldErrors = {};
    for (const problem of parsed.problems) {
      const key = problem.path || "file";
      const message = `${problem.line !== undefined ? `line ${problem.line}: ` : ""}${problem.message}`;
      fields[key] = fields[key] ? `${fields[key]}; ${message}` : message;
    }
    throw new RuleError(formatConfigProblems(source, parsed.problems), "invalid_pipeline", fields);
  }
  if (parsed.config.pipeline.name !== name) {
    throw new RuleError(`The YAML declares the pipeline "${parsed.config.pipeline.name}" but was sent to ${source}: send it to /api/v1/pipelines/${parsed.config.pipeline.name}, or change pipeline.name.`, "pipeline_name_mismatch", {
      "pipeline.name": `expected "${name}" (the name in the path)`,
    });
  }
  return ctx.db.transaction(async (tx) => {
    // A new pipeline is not found; any other failure (the database) must surface, not read as "new".
    const existing = await resolvePipeline(tx, name).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    authorize(ctx, "pipeline.manage", { type: "pipeline", id: existing?.id, ...(existing ? { pipeline: { id: existing.id, teamId: existing.teamId } } : {}) });
    const others: LoadedPipeline[] = (await tx.select().from(pipelines).where(ne(pipelines.name, name))).map((p) => ({
      source: `the pipeline "${p.name}"`,
      config: p.config,
      hash: p.configHash,
    }));
    const collisions = pipelineSetProblems([...others, { source, config: parsed.config, hash: parsed.hash }]).filter((problem) => problem.includes(source));
    if (collisions.length) throw new RuleError(collisions.join("\n"), "address_collision");
    const summary = await syncPipelineIn(tx, ctx.clock, parsed.config, parsed.hash, ctx.actor);
    return { pipeline: await resolvePipeline(tx, name), created: !existing, summary };
  });
}
