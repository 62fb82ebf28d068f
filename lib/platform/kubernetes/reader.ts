import { loadPipelineConfig } from "@/lib/config/load";
import type { InstanceInfo, InstanceLog } from "../types";
import { PlatformError } from "../types";
import type { KubernetesPlatform, KubernetesPlatformOptions } from "./kubernetes-platform";

/**
 * What the web server uses to list the instances and logs of a Kubernetes environment (the
 * environment page, `GET …/instances`, `…/logs`), whether or not the controller runs in this
 * process: a KubernetesPlatform of its own, given the environments of slipway.yaml at `configPath`
 * and this process's kubeconfig. It only reads. The client is loaded on first use, so pages that
 * never show a Kubernetes environment never load it.
 */
export function kubernetesReader(
  configPath: string,
  options: KubernetesPlatformOptions = {},
): { instances(environment: string, app: string): Promise<InstanceInfo[]>; logs(environment: string, app: string, tail: number): Promise<InstanceLog[]> } {
  let platform: Promise<KubernetesPlatform> | null = null;
  const open = () =>
    (platform ??= (async () => {
      const loaded = await loadPipelineConfig(configPath);
      if (!loaded.ok) throw new PlatformError(`${configPath} is not valid: ${loaded.problems.map((p) => p.message).join("; ")}`, true);
      const { KubernetesPlatform } = await import("./kubernetes-platform");
      const opened = new KubernetesPlatform(options);
      opened.assign({ environments: loaded.config.environments, reviewEnvironments: loaded.config.reviewEnvironments });
      return opened;
    })().catch((error: unknown) => {
      platform = null; // a fixed kubeconfig or file is picked up by the next request
      throw error;
    }));
  return {
    instances: async (environment, app) => (await open()).instances(environment, app),
    logs: async (environment, app, tail) => (await open()).logs(environment, app, tail),
  };
}
