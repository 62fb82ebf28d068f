/**
 * The portal's URLs for pipelines and environments, in one place: every link to a board or an
 * environment page goes through these, so a name is always qualified by its pipeline.
 */

/** `/pipelines/shop`: a pipeline's board. */
export function pipelinePath(pipeline: string): string {
  return `/pipelines/${encodeURIComponent(pipeline)}`;
}

/** `/pipelines/shop/environments/dev`: an environment's page. */
export function environmentPath(pipeline: string, environment: string): string {
  return `${pipelinePath(pipeline)}/environments/${encodeURIComponent(environment)}`;
}

/**
 * An environment's page when only its name is known (a link from history): the legacy
 * `/environments/dev`, which redirects to the qualified page when the name is unambiguous and
 * lists the candidates otherwise. Prefer `environmentPath` wherever the pipeline is at hand.
 */
export function environmentPathByName(environment: string, pipeline?: string | null): string {
  return pipeline ? environmentPath(pipeline, environment) : `/environments/${encodeURIComponent(environment)}`;
}
