"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { z } from "zod";
import { verifyAuditTrail } from "@/lib/services/audit-verify";
import { auditEventDataInput, getAuditEventData } from "@/lib/services/audit-queries";

/** The same check as `npm run audit:verify`, for when the portal holds the embedded database. Read-only. */
export const verifyAuditTrailAction = defineAction(z.undefined(), async (ctx) => verifyAuditTrail(ctx));

/** One event's data, read when a person opens it on the audit page. Read-only. */
export const auditEventDataAction = defineAction(auditEventDataInput, (ctx, input) => getAuditEventData(ctx, input));
