import { z } from "zod";
import type { InstanceInfo, InstanceLog, PlatformAdapter } from "@/lib/platform/types";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { getEnvironment } from "./environments";
import { NotFoundError, RuleError } from "./errors";
import { appName, environmentRef } from "./schemas";
import { parseInput } from "./validation";

/** Where instances and logs are read from: the environment's platform (or a read-only view of it). */
export type InstanceReader = Pick<PlatformAdapter, "instances" | "logs">;

/**
 * One reader for every environment, or the reader of a platform kind (the environment's
 * `platform`, as slipway.yaml assigns it); null when this installation cannot read that platform.
 */
export type InstanceReaders = InstanceReader | ((platform: string) => InstanceReader | null);

export const instancesInput = z.strictObject({ environment: environmentRef, app: appName }).meta({ id: "InstancesQuery" });

export const logsInput = z
  .strictObject({
    environment: environmentRef,
    app: appName,
    tail: z.coerce.number().int().min(1).max(1000).default(100).meta({ description: "How many of the last lines of each instance's log (1–1000)" }),
  })
  .meta({ id: "LogsQuery" });

/** The reader of the app's environment's platform; NotFoundError when there is no such environment or app. */
async function readerOf(ctx: ServiceContext, readers: InstanceReaders, environmentRef: string, app: string): Promise<{ reader: InstanceReader; environment: string }> {
  const environment = await getEnvironment(ctx.db, ctx.clock, environmentRef);
  if (!(app in environment.apps)) throw new NotFoundError(`No app named "${app}" in ${environment.name}.`);
  // The platform knows the environment by its name, not by the reference it was asked by.
  return { reader: (typeof readers === "function" ? readers(environment.platform) : readers) ?? {}, environment: environment.name };
}

/**
 * Every process of one app of an environment: `{ environment, app, items: InstanceInfo[] }`
 * (web instances with their address, workers without; both slots). Needs `pipeline.view`.
 * Throws ValidationError, NotFoundError (environment or app), RuleError when the platform
 * cannot list processes.
 *
 * @returns the app's running instances in the environment, as the platform reports them
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`; 422 `not_supported`
 */
export async function listInstances(ctx: ServiceContext, readers: InstanceReaders, input: unknown): Promise<{ environment: string; app: string; items: InstanceInfo[] }> {
  const data = parseInput(instancesInput, input);
  authorize(ctx, "pipeline.view");
  const { reader, environment } = await readerOf(ctx, readers, data.environment, data.app);
  if (!reader.instances) throw new RuleError(`The platform of ${data.environment} cannot list instances.`, "not_supported");
  return { environment: data.environment, app: data.app, items: await reader.instances(environment, data.app) };
}

/**
 * The last `tail` lines (default 100) of each instance's log: `{ environment, app, tail, items: InstanceLog[] }`.
 * Same rules and errors as listInstances.
 *
 * @returns the last `tail` log lines of each instance
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`; 422 `not_supported`
 */
export async function instanceLogs(ctx: ServiceContext, readers: InstanceReaders, input: unknown): Promise<{ environment: string; app: string; tail: number; items: InstanceLog[] }> {
  const data = parseInput(logsInput, input);
  authorize(ctx, "pipeline.view");
  const { reader, environment } = await readerOf(ctx, readers, data.environment, data.app);
  if (!reader.logs) throw new RuleError(`The platform of ${data.environment} cannot read logs.`, "not_supported");
  return { environment: data.environment, app: data.app, tail: data.tail, items: await reader.logs(environment, data.app, data.tail) };
}
