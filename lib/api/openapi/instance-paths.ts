import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { logsInput } from "@/lib/services/instances";
import { errors, json, notFound } from "./common";

const slot = z.enum(["active", "standby"]).meta({ description: "`active` serves the URL; `standby` is a release being prepared or kept warm" });

const instanceSchema = z
  .object({
    id: z.string().meta({ example: "portal-1" }),
    slot,
    type: z.string().meta({ description: "Procfile process type: `web` serves at `address`; workers (`worker`, `clock`, …) have none" }),
    buildId: z.string(),
    version: z.string(),
    address: z.string().nullable(),
    pid: z.number().nullable().optional().meta({ description: "The operating-system process id, where the platform has one (local)" }),
    running: z.boolean(),
    startedAt: z.string(),
    restarts: z.number().meta({ description: "How often the platform started it again after it exited" }),
    backOff: z
      .object({
        seconds: z.number().nullable().meta({ description: "The length of this wait (1, 2, 4 … 60 s on the local platform); null when the platform does not say" }),
        until: z.string().nullable().meta({ description: "When the platform starts it again (ISO 8601); null when it does not say" }),
      })
      .nullable()
      .meta({ description: "Set while the platform waits to start this exited process again (crash-loop back-off); null while it runs" }),
  })
  .meta({ id: "Instance" });

const instanceLogSchema = z.object({ instance: z.string(), slot, type: z.string(), lines: z.array(z.string()).meta({ description: "Oldest first; stdout and stderr together" }) }).meta({ id: "InstanceLog" });

const path = z.object({ name: z.string(), app: z.string() });
const notSupported = { "422": { description: "The environment's platform cannot list instances or read logs (`not_supported`)" } };

/** What runs: each app's processes and the last lines of their logs. */
export const instancePaths: ZodOpenApiPathsObject = {
  "/environments/{name}/apps/{app}/instances": {
    get: {
      summary: "The processes of one app: slot, build, address, start time, restarts, pending restart",
      requestParams: { path },
      responses: { "200": json(z.object({ environment: z.string(), app: z.string(), items: z.array(instanceSchema) }), "The instances"), ...errors, ...notFound, ...notSupported },
    },
  },
  "/environments/{name}/apps/{app}/logs": {
    get: {
      summary: "The last lines of each instance's log",
      description: "Logs are kept per instance with a size cap (5 MiB, one rotated file).",
      requestParams: { path, query: logsInput.pick({ tail: true }) },
      responses: { "200": json(z.object({ environment: z.string(), app: z.string(), tail: z.number(), items: z.array(instanceLogSchema) }), "The logs"), ...errors, ...notFound, ...notSupported },
    },
  },
};
