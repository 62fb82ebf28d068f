// The same handler as /api/v1/review-environments/[name]/extend, scoped by the path's {pipeline} (see lib/api/scope.ts).
export { POST } from "@/app/api/v1/review-environments/[name]/extend/route";
