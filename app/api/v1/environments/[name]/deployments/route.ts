import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { getDeployment } from "@/lib/services/deployment-queries";
import { requestDeployment } from "@/lib/services/deployments";
import { envRef } from "@/lib/api/scope";

/** 202: the deployment exists and the controller will carry it out; follow it at /deployments/{id}. */
export const POST = apiMutation<{ name: string; pipeline?: string }>(async ({ ctx, body, params }) => {
  const deployment = await requestDeployment(ctx, bodyWith(body, { environment: envRef(params) }));
  return { status: 202, body: deploymentDto(await getDeployment(ctx.db, deployment.id)) };
});
