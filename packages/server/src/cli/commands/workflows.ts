import fs from 'node:fs';
import path from 'node:path';
import { openMigratedStore } from '../../boot/runtime.ts';
import { changeDepsOf } from '../../domain/context.ts';
import { systemActor } from '../../domain/events.ts';
import { canonicalType } from '../../domain/integrations/index.ts';
import { ProjectCache } from '../../domain/projects/index.ts';
import { WorkflowApplyError, applyWorkflows, type WorkflowSource } from '../../domain/workflows/index.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { CommandFailed, UsageError, overrides, parseWithPositionals, required } from '../args.ts';

/** Every `*.json` file of the folder (not its subfolders), in name order; a file holds one workflow or an array of them. */
function readSources(dir: string): WorkflowSource[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new CommandFailed(`Cannot read the folder ${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}.`);
  }
  if (names.length === 0) throw new CommandFailed(`${dir} has no .json files; write one workflow definition per file (docs/workflows.md).`);
  const sources: WorkflowSource[] = [];
  const problems: string[] = [];
  for (const name of names) {
    let body: unknown;
    try {
      body = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    } catch (error) {
      problems.push(`${name}: is not valid JSON (${(error as Error).message})`);
      continue;
    }
    if (Array.isArray(body)) body.forEach((item, index) => sources.push({ origin: `${name}[${index}]`, body: item }));
    else sources.push({ origin: name, body });
  }
  if (problems.length > 0) throw new CommandFailed(`${problems.length} file${problems.length === 1 ? '' : 's'} could not be read; nothing was applied:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return sources;
}

export async function workflows(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'apply') throw new UsageError(`Unknown command "workflows ${sub ?? ''}": use portico workflows apply DIR --project ID.`);
  const { values, positionals } = parseWithPositionals(rest, { project: { type: 'string' }, 'dry-run': { type: 'boolean' } }, 1);
  const dir = positionals[0];
  if (!dir) throw new UsageError('Give the folder of workflow files: portico workflows apply DIR --project ID.');
  const projectId = required(values, 'project');
  const sources = readSources(dir);
  const store = await openMigratedStore(loadProcessConfig(overrides(values)));
  try {
    const state = await new ProjectCache(store, 0).get(projectId);
    if (!state) throw new CommandFailed(`No project ${projectId} in this store (portico project list shows them).`);
    const outcomes = await applyWorkflows(changeDepsOf(store), {
      projectId,
      workflows: state.workflows,
      integration: (reference) => state.integrationsById.get(reference.toLowerCase()) ?? state.integrationsByType.get(reference) ?? state.integrationsByType.get(canonicalType(reference)),
    }, sources, systemActor('cli'), { dryRun: values['dry-run'] === true });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(outcomes)}\n`);
      return;
    }
    for (const o of outcomes) process.stdout.write(`${o.action.padEnd(9)} ${o.name}  (${o.id}, from ${o.origin})\n`);
    const count = (action: string) => outcomes.filter((o) => o.action === action).length;
    process.stdout.write(`${values['dry-run'] ? 'Dry run: would have ' : ''}${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged.\n`);
  } catch (error) {
    if (error instanceof WorkflowApplyError) throw new CommandFailed(error.message);
    throw error;
  } finally {
    await store.close();
  }
}
