import { verificationDto } from "@/lib/api/verification-dto";
import { apiMutation, apiRead, bodyWith } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getDeployment } from "@/lib/services/deployment-queries";
import { authorizePipelineRead } from "@/lib/services/pipeline-scope";
import { listDeploymentVerifications, reportVerification } from "@/lib/services/verifications";

/** CI reports a post-deploy result, idempotent by name: 201 when new, 200 when it replaced or repeated one. */
export const POST = apiMutation<{ id: string }>(async ({ ctx, body, params }) => {
  const { verification, created } = await reportVerification(ctx, bodyWith(body, { deploymentId: params.id }));
  return { status: created ? 201 : 200, body: verificationDto(verification) };
});

export const GET = apiRead<{ id: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  const deployment = await getDeployment(ctx.db, params.id);
  await authorizePipelineRead(ctx, { type: "deployment", id: deployment.id }, { environmentId: deployment.environmentId });
  return { items: (await listDeploymentVerifications(ctx.db, params.id)).map(verificationDto), nextCursor: null };
});
