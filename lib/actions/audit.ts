"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { z } from "zod";
import { verifyAuditTrail } from "@/lib/services/audit-verify";

/** The same check as `npm run audit:verify`, for when the portal holds the embedded database. Read-only. */
export const verifyAuditTrailAction = defineAction(z.undefined(), async (ctx) => verifyAuditTrail(ctx));
