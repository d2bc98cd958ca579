/** `{name}` placeholders of provider templates; see provider.schema.ts for where each may look. */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

/** Placeholder names of a template, in order of first use. */
export function placeholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (match) => match[1]!))];
}

/**
 * Fills a template. Values are inserted verbatim: callers pass values that already matched the
 * declaring input's or field's `pattern`. A missing value is a programming error and throws.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for placeholder {${name}} in "${template}"`);
    return value;
  });
}
