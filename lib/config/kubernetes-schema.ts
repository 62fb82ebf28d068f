import { z } from "zod";
import { dnsLabel, integer, nonEmptyString } from "./primitives";

/**
 * The `kubernetes:` section of an environment in slipway.yaml (platform: kubernetes). Credentials
 * are never here: they come from the kubeconfig (`KUBECONFIG`, `~/.kube/config`) or the in-cluster
 * service account, and `context` picks one of its contexts.
 */

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, { error: 'expected a Kubernetes quantity, e.g. "250m", "512Mi" or "1"' });
const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

export const kubernetesEnvironmentSchema = z
  .strictObject({
    context: nonEmptyString().optional().describe("kubeconfig context to use (default: the kubeconfig's current context, or the in-cluster service account)."),
    namespace: dnsLabel().describe("Namespace the environment's objects live in; it must exist. Review environments get a namespace of their own beside it."),
    ingressClass: nonEmptyString().optional().describe("Create an Ingress of this class for each app (needs domain)."),
    gateway: z
      .strictObject({
        name: dnsLabel().describe("Gateway API Gateway the HTTPRoutes attach to."),
        namespace: dnsLabel().optional().describe("Its namespace (default: the environment's)."),
      })
      .optional()
      .describe("Route through a Gateway API HTTPRoute: rolling rollouts then shift weighted traffic (25/50/75 %)."),
    domain: nonEmptyString().optional().describe("Apps answer at https://<app>.<domain> (Ingress or HTTPRoute host). Without it the address is the in-cluster Service."),
    imagePullSecrets: z.array(dnsLabel()).optional().describe("Secrets (in the namespace) for pulling images from a private registry."),
    resources: z.strictObject({ requests: resourceList.optional(), limits: resourceList.optional() }).optional().describe("Requests and limits of every app container."),
    serviceAccount: dnsLabel().optional().describe("Service account the app pods run as."),
    port: integer({ min: 1, max: 65535 }).default(8080).describe("Port the app listens on inside its container (PORT is set to it)."),
    commands: z
      .record(z.string(), z.array(z.string()).min(1))
      .optional()
      .describe('Command per process type or job (e.g. { migrate: ["npm", "run", "migrate"] }); default /cnb/process/<name> (Cloud Native Buildpacks images), and the image\'s own entrypoint for web.'),
  })
  .refine((k) => !(k.ingressClass && k.gateway), { message: "set ingressClass or gateway, not both", path: ["gateway"] })
  .refine((k) => !(k.ingressClass || k.gateway) || k.domain, { message: "ingressClass and gateway need domain (the host the apps answer at)", path: ["domain"] })
  .describe("Where and how a Kubernetes environment runs (platform: kubernetes).");

export type KubernetesEnvironmentConfig = z.output<typeof kubernetesEnvironmentSchema>;
