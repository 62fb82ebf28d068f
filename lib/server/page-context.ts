import "server-only";
import { cache } from "react";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import type { ServiceContext } from "@/lib/services/context";
import { requestContext } from "./request-context";

/**
 * The service context of the page being rendered: the signed-in person (redirects to sign-in
 * when there is none, see requireActor), the database and the wall clock. Cached for the
 * request, so a page and its layout share one.
 */
export const getServiceContext = cache(async (): Promise<ServiceContext> => requestContext(await getDb(), await requireActor()));
