import type { Provider } from './providers/provider.schema.ts';
import { airtable } from './providers/airtable.ts';
import { asana } from './providers/asana.ts';
import { box } from './providers/box.ts';
import { confluence } from './providers/confluence.ts';
import { dropbox } from './providers/dropbox.ts';
import { github } from './providers/github.ts';
import { gmail } from './providers/gmail.ts';
import { googlecalendar } from './providers/googlecalendar.ts';
import { googledrive } from './providers/googledrive.ts';
import { googlesheets } from './providers/googlesheets.ts';
import { hubspot } from './providers/hubspot.ts';
import { intercom } from './providers/intercom.ts';
import { jira } from './providers/jira.ts';
import { linear } from './providers/linear.ts';
import { mailchimp } from './providers/mailchimp.ts';
import { microsoftTeams } from './providers/microsoftTeams.ts';
import { notion } from './providers/notion.ts';
import { onedrive } from './providers/onedrive.ts';
import { outlook } from './providers/outlook.ts';
import { pipedrive } from './providers/pipedrive.ts';
import { quickbooks } from './providers/quickbooks.ts';
import { salesforce } from './providers/salesforce.ts';
import { shopify } from './providers/shopify.ts';
import { slack } from './providers/slack.ts';
import { stripe } from './providers/stripe.ts';
import { zendesk } from './providers/zendesk.ts';
import { zoom } from './providers/zoom.ts';

/**
 * The built-in integration types a project can add by name: one file per provider in
 * `providers/`, each validated when it loads. To add one, see docs/api.md ("Provider catalog").
 */
const PROVIDERS: readonly Readonly<Provider>[] = Object.freeze([
  salesforce, hubspot, slack,
  gmail, googledrive, googlecalendar, googlesheets,
  outlook, microsoftTeams, onedrive,
  github, notion, jira, confluence, zendesk, intercom, pipedrive, shopify, quickbooks,
  airtable, asana, linear, dropbox, box, zoom,
  stripe, mailchimp,
]);

const BY_TYPE = new Map(PROVIDERS.map((provider) => [provider.type, provider]));
if (BY_TYPE.size !== PROVIDERS.length) throw new Error('Two providers in catalog.ts share a type; types are wire ids and must be unique.');

/** The provider of a built-in type (`salesforce`), or undefined for custom and unknown types. */
export function findProvider(type: string): Readonly<Provider> | undefined {
  return BY_TYPE.get(type);
}

/** Every built-in provider, in catalog order. */
export function listProviders(): readonly Readonly<Provider>[] {
  return PROVIDERS;
}

/**
 * Where the official SDK looks for icons when it is not configured otherwise (its default
 * `CDN_PUBLIC_URL`). Portico ships no logos: icons are the SDK's CDN convention, a path relative to
 * whatever `CDN_PUBLIC_URL` the SDK is given.
 */
export const SDK_DEFAULT_CDN_URL = 'https://cdn.useparagon.com/latest/dashboard/public';

/** The SDK's placeholder for custom integrations without an icon. */
const CUSTOM_ICON_PATH = '/images/icons/byo-placeholder.svg';

/** Absolute icon URL of a provider, or of a custom integration when `provider` is undefined. */
export function iconUrl(provider: Readonly<Provider> | undefined, cdnUrl: string = SDK_DEFAULT_CDN_URL): string {
  return `${cdnUrl}${provider?.icon ?? CUSTOM_ICON_PATH}`;
}

const CUSTOM_PREFIX = 'custom.';
const MAX_SLUG_LENGTH = 63;

/**
 * The one rule for custom integration slugs: lowercase ASCII letters and digits, everything else
 * (spaces, dashes, dots, accents' marks) dropped. It applies alike to an explicit `custom.<slug>`
 * and to a name, so `custom.tasklab`, `custom.Task-Lab` and the name "Task Lab" are one integration.
 */
export function customSlug(text: string): string {
  return text.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `custom.<slug>` for a custom integration, from an explicit type or from its name; undefined when no slug remains. */
export function customType(typeOrName: string): string | undefined {
  const slug = customSlug(typeOrName.startsWith(CUSTOM_PREFIX) ? typeOrName.slice(CUSTOM_PREFIX.length) : typeOrName);
  return slug.length > 0 && slug.length <= MAX_SLUG_LENGTH ? `${CUSTOM_PREFIX}${slug}` : undefined;
}

/**
 * The type a reference means: a custom type in its canonical spelling, anything else unchanged.
 * Types stored before the rule (`custom.task-lab`) are found under their canonical spelling too.
 */
export function canonicalType(type: string): string {
  return type.startsWith(CUSTOM_PREFIX) ? (customType(type) ?? type) : type;
}
