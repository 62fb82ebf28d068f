import { KubeConfig } from "@kubernetes/client-node";
import type { KubernetesEnvironmentConfig } from "@/lib/config/kubernetes-schema";
import { PlatformError } from "../types";
import { KubeClient } from "./client";
import { dnsName, type EnvironmentTarget } from "./objects";

/**
 * Which cluster, context and namespace each environment uses, and one API client per context.
 * Fixed environments take their `kubernetes:` section from slipway.yaml; any other environment (a
 * review environment) takes its source's context and gets a namespace of its own, which Slipway
 * creates and deletes. Credentials come from the kubeconfig (`KUBECONFIG`, `~/.kube/config`) or
 * the in-cluster service account, never from the database.
 */

export interface ClusterOptions {
  /** A kubeconfig as YAML text (tests); default: the usual places (`KUBECONFIG`, `~/.kube/config`, in-cluster). */
  kubeconfig?: string;
  /** Namespace of an environment slipway.yaml does not configure (review environments): default `<source namespace>-<environment>`, or `slipway-<environment>`. */
  namespaceFor?: (environment: string, sourceNamespace: string | null) => string;
  retry?: { attempts: number; delayMs: number };
}

export interface ResolvedTarget extends EnvironmentTarget {
  client: KubeClient;
  /** Slipway created this namespace (a review environment) and deletes it on destroy. */
  ownsNamespace: boolean;
}

export class Clusters {
  private kubeConfig: KubeConfig | null = null;
  private kubeconfigSource = "";
  private clients = new Map<string, KubeClient>();
  private environments = new Map<string, KubernetesEnvironmentConfig>();
  private reviewSource: string | null = null;

  constructor(private readonly options: ClusterOptions = {}) {}

  /** Loads the kubeconfig once. Throws a permanent PlatformError when there is none to load. */
  private config(environment: string): KubeConfig {
    if (this.kubeConfig) return this.kubeConfig;
    const kc = new KubeConfig();
    try {
      if (this.options.kubeconfig !== undefined) {
        kc.loadFromString(this.options.kubeconfig);
        this.kubeconfigSource = "the kubeconfig given to Slipway";
      } else {
        kc.loadFromDefault();
        this.kubeconfigSource = process.env.KUBECONFIG ? `KUBECONFIG (${process.env.KUBECONFIG})` : "~/.kube/config or the in-cluster service account";
      }
    } catch (error) {
      throw new PlatformError(`Environment "${environment}" runs on Kubernetes, but no kubeconfig could be loaded: ${(error as Error).message}`, true);
    }
    if (kc.getContexts().length === 0 || !kc.getCurrentCluster()) {
      throw new PlatformError(`Environment "${environment}" runs on Kubernetes, but there is no kubeconfig (set KUBECONFIG, create ~/.kube/config, or run Slipway in the cluster with a service account)`, true);
    }
    this.kubeConfig = kc;
    return kc;
  }

  /**
   * Takes the environments' `kubernetes:` sections and checks each names a context the kubeconfig
   * has. Throws a permanent PlatformError naming the environment otherwise (a start-up error).
   */
  assign(environments: readonly { name: string; platform: string; kubernetes?: KubernetesEnvironmentConfig | undefined }[], reviewSource: string | null): void {
    const next = new Map<string, KubernetesEnvironmentConfig>();
    for (const env of environments) {
      if (env.platform !== "kubernetes") continue;
      if (!env.kubernetes) throw new PlatformError(`Environment "${env.name}" runs on platform "kubernetes" but slipway.yaml gives it no kubernetes: section`, true);
      next.set(env.name, env.kubernetes);
    }
    for (const [name, config] of next) this.clientFor(name, config.context);
    this.environments = next;
    this.reviewSource = reviewSource && next.has(reviewSource) ? reviewSource : null;
  }

  /** Sets one environment's section directly (tests and scripts without a pipeline). */
  configure(environment: string, config: KubernetesEnvironmentConfig): void {
    this.environments.set(environment, config);
  }

  private clientFor(environment: string, context: string | undefined): KubeClient {
    const base = this.config(environment);
    const name = context ?? base.getCurrentContext();
    const cached = this.clients.get(name);
    if (cached) return cached;
    const contextObject = base.getContextObject(name);
    if (!contextObject) {
      const known = base
        .getContexts()
        .map((c) => `"${c.name}"`)
        .join(", ");
      throw new PlatformError(`Environment "${environment}" asks for kubeconfig context "${name}" (kubernetes.context in slipway.yaml), which ${this.kubeconfigSource} does not have (contexts: ${known || "none"})`, true);
    }
    const kc = new KubeConfig();
    kc.loadFromString(base.exportConfig());
    kc.setCurrentContext(name);
    const server = kc.getCurrentCluster()?.server ?? "(no server)";
    const client = new KubeClient(kc, { environment, context: name, server }, this.options.retry);
    this.clients.set(name, client);
    return client;
  }

  /** Where `environment` lives. */
  target(environment: string): ResolvedTarget {
    const own = this.environments.get(environment);
    if (own) return { environment, namespace: own.namespace, config: own, client: this.clientFor(environment, own.context), ownsNamespace: false };
    const source = this.reviewSource ? (this.environments.get(this.reviewSource) ?? null) : null;
    const namespace = this.options.namespaceFor?.(environment, source?.namespace ?? null) ?? (source ? dnsName(source.namespace, environment) : dnsName("slipway", environment));
    const config = source ? { ...source, namespace } : { namespace, port: 8080 };
    return { environment, namespace, config, client: this.clientFor(environment, source?.context), ownsNamespace: true };
  }

  /** Every client (one per context in use), for the inventory. */
  allClients(): KubeClient[] {
    if (this.clients.size === 0 && (this.environments.size > 0 || this.options.kubeconfig !== undefined)) this.clientFor("(inventory)", undefined);
    return [...this.clients.values()];
  }

  /** The configured environment whose namespace is `namespace` with `environment`'s name, or the review target. */
  knows(environment: string): boolean {
    return this.environments.has(environment);
  }
}
