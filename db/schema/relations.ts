import { relations } from "drizzle-orm";
import { apiTokens, roleMemberships, users } from "./identity";
import { apps, environmentApps, environments, pipelines, reviewVerdicts } from "./pipeline";
import { builds, releaseBuilds, releases } from "./releases";
import { approvals, checklistTicks, deploymentSteps, deployments, gateResults } from "./deployments";

export const usersRelations = relations(users, ({ many }) => ({
  roles: many(roleMemberships),
  tokens: many(apiTokens),
}));

export const roleMembershipsRelations = relations(roleMemberships, ({ one }) => ({
  user: one(users, { fields: [roleMemberships.userId], references: [users.id] }),
}));

export const apiTokensRelations = relations(apiTokens, ({ one }) => ({
  user: one(users, { fields: [apiTokens.userId], references: [users.id] }),
}));

export const pipelinesRelations = relations(pipelines, ({ many }) => ({
  apps: many(apps),
  environments: many(environments),
  releases: many(releases),
}));

export const appsRelations = relations(apps, ({ one }) => ({
  pipeline: one(pipelines, { fields: [apps.pipelineId], references: [pipelines.id] }),
}));

export const environmentsRelations = relations(environments, ({ one, many }) => ({
  pipeline: one(pipelines, { fields: [environments.pipelineId], references: [pipelines.id] }),
  source: one(environments, { fields: [environments.sourceEnvironmentId], references: [environments.id], relationName: "clonedFrom" }),
  owner: one(users, { fields: [environments.ownerId], references: [users.id] }),
  apps: many(environmentApps),
  deployments: many(deployments),
  verdicts: many(reviewVerdicts),
}));

export const environmentAppsRelations = relations(environmentApps, ({ one }) => ({
  environment: one(environments, { fields: [environmentApps.environmentId], references: [environments.id] }),
  app: one(apps, { fields: [environmentApps.appId], references: [apps.id] }),
  build: one(builds, { fields: [environmentApps.buildId], references: [builds.id] }),
  release: one(releases, { fields: [environmentApps.releaseId], references: [releases.id] }),
  deployedByUser: one(users, { fields: [environmentApps.deployedBy], references: [users.id] }),
}));

export const reviewVerdictsRelations = relations(reviewVerdicts, ({ one }) => ({
  environment: one(environments, { fields: [reviewVerdicts.environmentId], references: [environments.id] }),
  user: one(users, { fields: [reviewVerdicts.userId], references: [users.id] }),
}));

export const buildsRelations = relations(builds, ({ one }) => ({
  app: one(apps, { fields: [builds.appId], references: [apps.id] }),
  createdByUser: one(users, { fields: [builds.createdBy], references: [users.id] }),
}));

export const releasesRelations = relations(releases, ({ one, many }) => ({
  pipeline: one(pipelines, { fields: [releases.pipelineId], references: [pipelines.id] }),
  builds: many(releaseBuilds),
  createdByUser: one(users, { fields: [releases.createdBy], references: [users.id] }),
  sourceEnvironment: one(environments, { fields: [releases.sourceEnvironmentId], references: [environments.id] }),
}));

export const releaseBuildsRelations = relations(releaseBuilds, ({ one }) => ({
  release: one(releases, { fields: [releaseBuilds.releaseId], references: [releases.id] }),
  build: one(builds, { fields: [releaseBuilds.buildId], references: [builds.id] }),
  app: one(apps, { fields: [releaseBuilds.appId], references: [apps.id] }),
}));

export const deploymentsRelations = relations(deployments, ({ one, many }) => ({
  environment: one(environments, { fields: [deployments.environmentId], references: [environments.id] }),
  release: one(releases, { fields: [deployments.releaseId], references: [releases.id] }),
  requestedByUser: one(users, { fields: [deployments.requestedBy], references: [users.id] }),
  steps: many(deploymentSteps),
  gates: many(gateResults),
  approvals: many(approvals),
  checklist: many(checklistTicks),
}));

export const deploymentStepsRelations = relations(deploymentSteps, ({ one }) => ({
  deployment: one(deployments, { fields: [deploymentSteps.deploymentId], references: [deployments.id] }),
  app: one(apps, { fields: [deploymentSteps.appId], references: [apps.id] }),
}));

export const gateResultsRelations = relations(gateResults, ({ one }) => ({
  deployment: one(deployments, { fields: [gateResults.deploymentId], references: [deployments.id] }),
}));

export const approvalsRelations = relations(approvals, ({ one }) => ({
  deployment: one(deployments, { fields: [approvals.deploymentId], references: [deployments.id] }),
  user: one(users, { fields: [approvals.userId], references: [users.id] }),
}));

export const checklistTicksRelations = relations(checklistTicks, ({ one }) => ({
  deployment: one(deployments, { fields: [checklistTicks.deploymentId], references: [deployments.id] }),
  user: one(users, { fields: [checklistTicks.userId], references: [users.id] }),
}));
