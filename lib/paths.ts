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

/**
 * `"shop"`, `"dev"` → `"shop/dev"`: the qualified reference every service and server action takes
 * for an environment (lib/services/pipeline-scope.ts resolves it; a bare name is refused as
 * ambiguous when several pipelines have it). What people see stays the plain name; this is the value.
 */
export function environmentRef(pipeline: string, environment: string): string {
  return `${pipeline}/${environment}`;
}

/** `"shop/dev"` → `"shop / dev"`, a bare `"dev"` as it is: how a reference reads in a list that mixes pipelines. */
export function environmentRefLabel(ref: string): string {
  return ref.replace("/", " / ");
}
