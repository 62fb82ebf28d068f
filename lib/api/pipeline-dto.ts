import type { Pipeline } from "@/db/schema";

/** A pipeline as the API shows it (the `Pipeline` schema of the OpenAPI document). */
export function pipelineDto(pipeline: Pipeline) {
  return { name: pipeline.name, teamId: pipeline.teamId, loadedAt: pipeline.loadedAt.toISOString(), configHash: pipeline.configHash, config: pipeline.config };
}
