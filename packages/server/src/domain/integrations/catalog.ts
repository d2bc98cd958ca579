/** Built-in integration types a project can add by name. OAuth endpoints arrive with the install flow. */
export interface CatalogEntry {
  type: string;
  name: string;
  brandColor: string;
}

export const CATALOG: readonly CatalogEntry[] = [
  { type: 'salesforce', name: 'Salesforce', brandColor: '#009EDB' },
  { type: 'hubspot', name: 'HubSpot', brandColor: '#FF7A59' },
  { type: 'slack', name: 'Slack', brandColor: '#4A154B' },
  { type: 'googledrive', name: 'Google Drive', brandColor: '#1FA463' },
  { type: 'googlecalendar', name: 'Google Calendar', brandColor: '#4285F4' },
  { type: 'gmail', name: 'Gmail', brandColor: '#EA4335' },
  { type: 'notion', name: 'Notion', brandColor: '#000000' },
  { type: 'jira', name: 'Jira', brandColor: '#0052CC' },
  { type: 'zendesk', name: 'Zendesk', brandColor: '#03363D' },
  { type: 'intercom', name: 'Intercom', brandColor: '#1F8DED' },
  { type: 'shopify', name: 'Shopify', brandColor: '#96BF48' },
  { type: 'quickbooks', name: 'QuickBooks', brandColor: '#2CA01C' },
  { type: 'pipedrive', name: 'Pipedrive', brandColor: '#1A1A1A' },
  { type: 'asana', name: 'Asana', brandColor: '#F06A6A' },
  { type: 'github', name: 'GitHub', brandColor: '#24292F' },
  { type: 'dropbox', name: 'Dropbox', brandColor: '#0061FF' },
  { type: 'microsoftTeams', name: 'Microsoft Teams', brandColor: '#6264A7' },
  { type: 'outlook', name: 'Outlook', brandColor: '#0078D4' },
];

const BY_TYPE = new Map(CATALOG.map((entry) => [entry.type, entry]));

export function findCatalogEntry(type: string): CatalogEntry | undefined {
  return BY_TYPE.get(type);
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
