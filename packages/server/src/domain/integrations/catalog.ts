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

const CUSTOM_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `custom.<slug>` for a custom integration, from an explicit type or from its name. */
export function customType(typeOrName: string): string | undefined {
  const slug = typeOrName.startsWith('custom.')
    ? typeOrName.slice('custom.'.length)
    : typeOrName.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return CUSTOM_SLUG.test(slug) ? `custom.${slug}` : undefined;
}
