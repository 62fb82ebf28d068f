import { requestContext } from "@/lib/server/request-context";
import { NextResponse, type NextRequest } from "next/server";
import { CLIENT_IP_HEADER } from "@/lib/server/forwarding";
import { getDb } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { sessionUserId } from "@/lib/auth/session-token";
import { systemClock } from "@/lib/domain/clock";
import { withDeniedAudit } from "@/lib/services/authorize";
import type { ServiceContext } from "@/lib/services/context";
import { ForbiddenError, UnauthenticatedError, ValidationError } from "@/lib/services/errors";
import { authenticateToken } from "@/lib/services/tokens";
import { loadActor } from "@/lib/services/users";
import { readJsonBody, readYamlBody } from "./body";
import { assertStorableText } from "@/lib/services/validation";
import { toErrorResponse } from "./errors";
import { parseIdempotencyKey, runIdempotent } from "./idempotency";

type RouteParams = Record<string, string>;
type RouteContext<P extends RouteParams> = { params: Promise<P> };

export interface ApiCall<P extends RouteParams> {
  request: NextRequest;
  params: P;
  query: Record<string, string>;
  ctx: ServiceContext;
}

export interface ApiResult {
  status: number;
  body: unknown;
}

function clientIp(request: NextRequest): string | undefined {
  return request.headers.get(CLIENT_IP_HEADER) || undefined;
}

/**
 * Who is calling: a bearer token (CI, scripts), or — for reads only — the browser session of a
 * signed-in person (the UI polls the API). Mutations always need a token: a cookie alone could be
 * ridden by another site.
 */
async function authenticate(request: NextRequest, allowSession: boolean): Promise<Actor> {
  const db = await getDb();
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const actor = match ? await authenticateToken(db, systemClock, match[1]!, clientIp(request)) : null;
    if (!actor) throw new UnauthenticatedError("The API token is missing, malformed, revoked or expired. Send `Authorization: Bearer <token>`.");
    return actor;
  }
  if (allowSession) {
    const userId = await sessionUserId(request.headers, systemClock.now().getTime());
    const actor = userId ? await loadActor(db, userId, "ui", clientIp(request)) : null;
    if (actor && !actor.disabled) return actor;
  }
  throw new UnauthenticatedError(
    allowSession
      ? "Authentication required: send `Authorization: Bearer <token>` (create a token in Settings → API tokens or with `npm run token`), or call from a browser signed in to Slipway."
      : "Authentication required: send `Authorization: Bearer <token>` (create a token in Settings → API tokens or with `npm run token`): a change needs a token, a browser session alone is not enough (another site could ride it).",
  );
}

function queryOf(request: NextRequest): Record<string, string> {
  const query = Object.fromEntries(request.nextUrl.searchParams.entries());
  assertStorableText(query, "The query string");
  return query;
}

/** The path's parameters, refused with a 400 when they hold text PostgreSQL cannot store. */
async function paramsOf<P extends RouteParams>(route: RouteContext<P>): Promise<P> {
  // A route without dynamic segments (e.g. /api/v1/builds) gets no params from Next: an empty object,
  // so handlers shared with /api/v1/pipelines/{pipeline}/… can read `params.pipeline`.
  const params = ((await route?.params) ?? {}) as P;
  assertStorableText(params, "The path");
  return params;
}

/**
 * A token restricted to one pipeline reads that pipeline only: a path, a `pipeline` filter or a
 * qualified reference (`?environment=ledger/prod`, `?app=ledger/api`, a legacy route's
 * `ledger/prod`) naming another is a 403; a route without a path pipeline reads as if under
 * /api/v1/pipelines/{its pipeline}/… (its lists are filtered to it), and a bare environment or app
 * name in the query resolves in it. Routes that read one thing by id check that thing's pipeline
 * themselves (`authorizePipelineRead`).
 * @throws ForbiddenError naming the restriction
 */
function restrictedRead<P extends RouteParams>(actor: Actor, params: P, query: Record<string, string>): { params: P; query: Record<string, string> } {
  const restriction = actor.pipelineRestrictionName;
  if (!actor.pipelineRestriction || !restriction) return { params, query };
  const qualifierOf = (ref: string | undefined) => (ref?.includes("/") ? ref.slice(0, ref.indexOf("/")) : undefined);
  const refs = { name: params.name, environment: query.environment, app: query.app };
  for (const named of [params.pipeline, query.pipeline, ...Object.values(refs).map(qualifierOf)]) {
    if (named !== undefined && named !== restriction) throw new ForbiddenError(`Not allowed: this token is restricted to pipeline ${restriction}.`, { action: "pipeline.view", targetType: "pipeline", targetId: named });
  }
  const inRestriction = (ref: string | undefined) => (ref === undefined || ref.includes("/") ? ref : `${restriction}/${ref}`);
  const nameQualifier = qualifierOf(params.name);
  return {
    // The path's name is qualified by the path's pipeline (envRef): only the bare name stays.
    params: { ...params, pipeline: restriction, ...(nameQualifier !== undefined ? { name: params.name!.slice(nameQualifier.length + 1) } : {}) },
    query: { ...query, ...(query.environment !== undefined ? { environment: inRestriction(query.environment)! } : {}), ...(query.app !== undefined ? { app: inRestriction(query.app)! } : {}) },
  };
}

/** A read endpoint: authenticated, returns JSON with status 200; a policy refusal is recorded in the audit trail, as a mutation's is. */
export function apiRead<P extends RouteParams = RouteParams>(run: (call: ApiCall<P>) => Promise<unknown>) {
  return async (request: NextRequest, route: RouteContext<P>): Promise<Response> => {
    try {
      const actor = await authenticate(request, true);
      const db = await getDb();
      const body = await withDeniedAudit(db, actor, systemClock, async () => {
        const { params, query } = restrictedRead(actor, await paramsOf(route), queryOf(request));
        return run({ request, params, query, ctx: requestContext(db, actor) });
      });
      return NextResponse.json(body);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

/**
 * A mutation endpoint: token-authenticated, JSON body (size-limited), Idempotency-Key honoured, a
 * policy refusal recorded in the audit trail. `run` receives the body unparsed: the service parses it.
 */
export function apiMutation<P extends RouteParams = RouteParams>(
  run: (call: ApiCall<P> & { body: unknown }) => Promise<ApiResult>,
  /** body: a JSON object (required or optional), or `yaml`: the text of a YAML document (a string). */
  options: { body?: "required" | "optional" | "yaml" } = {},
) {
  return async (request: NextRequest, route: RouteContext<P>): Promise<Response> => {
    try {
      const actor = await authenticate(request, false);
      const db = await getDb();
      const key = parseIdempotencyKey(request.headers.get("idempotency-key"));
      const hasBody = options.body !== "optional" || Number(request.headers.get("content-length") ?? "0") > 0;
      const params = await paramsOf(route);
      const query = queryOf(request);
      const body = options.body === "yaml" ? await readYamlBody(request) : hasBody ? await readJsonBody(request) : {};
      const call = (txDb: typeof db) => run({ request, params, query, body, ctx: requestContext(txDb, actor) });
      const result = await withDeniedAudit(db, actor, systemClock, () => (key ? runIdempotent(db, { userId: actor.id, key, method: request.method, path: request.nextUrl.pathname, body, now: systemClock.now() }, call) : call(db)));
      const headers = key && "replayed" in result && result.replayed ? { "Idempotent-Replayed": "true" } : undefined;
      return NextResponse.json(result.body, { status: result.status, headers });
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

/** The body as an object with the path's parameters added; a body that is not a JSON object is a 400. */
export function bodyWith(body: unknown, fromPath: Record<string, string>): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("The request body must be a JSON object.", { body: "expected a JSON object" });
  }
  return { ...(body as Record<string, unknown>), ...fromPath };
}
