import { KubeConfig } from "@kubernetes/client-node";
import type { ConfigProblem } from "@/lib/config/problems";
import type { PipelineConfig } from "@/lib/config/schema";
import { YamlSource } from "@/lib/config/yaml-source";

/**
 * Start-up check of the Kubernetes environments in slipway.yaml against the kubeconfig this
 * process would use: there is one, and every `kubernetes.context` named is in it. Problems carry
 * the environment's path and line, like any slipway.yaml problem. It does not call the cluster
 * (an unreachable API server fails the deployment that needs it, with the API's reason).
 *
 * @param text the slipway.yaml text (for lines); `config` its parsed form.
 * @param kubeconfig kubeconfig YAML (tests); default: `KUBECONFIG`, `~/.kube/config`, in-cluster.
 */
export function kubernetesAccessProblems(text: string, config: Pick<PipelineConfig, "environments">, kubeconfig?: string): ConfigProblem[] {
  const environments = config.environments.map((env, index) => ({ env, index })).filter(({ env }) => env.platform === "kubernetes");
  if (environments.length === 0) return [];
  const source = new YamlSource(text);
  const kc = new KubeConfig();
  let loadError: string | null = null;
  try {
    if (kubeconfig !== undefined) kc.loadFromString(kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    loadError = (error as Error).message;
  }
  const where = kubeconfig !== undefined ? "the kubeconfig given" : process.env.KUBECONFIG ? `KUBECONFIG (${process.env.KUBECONFIG})` : "~/.kube/config (KUBECONFIG unset, not in a cluster)";
  const problems: ConfigProblem[] = [];
  for (const { env, index } of environments) {
    const context = env.kubernetes?.context;
    if (loadError !== null || kc.getContexts().length === 0 || !kc.getCurrentCluster()) {
      problems.push(source.locate({ path: ["environments", index, "platform"], message: `environment "${env.name}" runs on Kubernetes, but no kubeconfig was found in ${where}${loadError ? `: ${loadError}` : ""}` }));
    } else if (context !== undefined && !kc.getContextObject(context)) {
      const known = kc
        .getContexts()
        .map((c) => `"${c.name}"`)
        .join(", ");
      problems.push(source.locate({ path: ["environments", index, "kubernetes", "context"], message: `environment "${env.name}" asks for kubeconfig context "${context}", which ${where} does not have (contexts: ${known})` }));
    }
  }
  return problems;
}
