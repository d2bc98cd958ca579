import type { ProjectState } from './project-cache.ts';
import type { SdkProject } from './project.schema.ts';

/** The project as the official SDK reads it. */
export function toSdkProject(state: ProjectState): SdkProject {
  return { id: state.project.id, billingPlan: state.billingPlan, accessibleFeatures: [...state.features] };
}
