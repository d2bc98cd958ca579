/** Connect add-ons as the official SDK names them (`ConnectAddOn`). */
export const FEATURES = [
  'byo', 'dfm', 'headless-cp', 'th-api', 'monitoring', 'rbac', 'user-metadata', 'whitelabel', 'workflow-permissions',
] as const;
export type Feature = (typeof FEATURES)[number];

export const PLANS = ['basic', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

/** Mirrors the SDK's `CONNECT_PLAN_FEATURE_MAP`. Self-hosted projects default to `enterprise`. */
export const PLAN_FEATURES: Readonly<Record<Plan, readonly Feature[]>> = {
  basic: [],
  pro: ['byo', 'headless-cp', 'monitoring', 'user-metadata', 'whitelabel'],
  enterprise: FEATURES,
};

/** The SDK's `BillingPlan` values Portico's plans map to. */
export const BILLING_PLANS = ['basic', 'pro', 'connect_enterprise'] as const;
export type BillingPlan = (typeof BILLING_PLANS)[number];

/** The SDK's `BillingPlan` value sent as `project.billingPlan`. */
export const BILLING_PLAN: Readonly<Record<Plan, BillingPlan>> = {
  basic: 'basic',
  pro: 'pro',
  enterprise: 'connect_enterprise',
};

export const DEFAULT_PLAN: Plan = 'enterprise';

export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}
