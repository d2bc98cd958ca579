import { MIN_PASSWORD_LENGTH, StaffInputError, addStaff, listStaff, removeStaff } from '../../domain/staff/index.ts';
import { openMigratedStore } from '../../boot/runtime.ts';
import type { AppStore } from '../../domain/database.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { CommandFailed, UsageError, overrides, parseWithPositionals } from '../args.ts';

const write = (text: string) => process.stdout.write(text);

async function withStore<T>(values: Record<string, string | boolean | undefined>, run: (store: AppStore) => Promise<T>): Promise<T> {
  const store = await openMigratedStore(loadProcessConfig(overrides(values)));
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** The password: the first line of stdin (piped), or typed at a prompt that does not echo it. */
async function readPassword(): Promise<string> {
  const input = process.stdin;
  if (input.isTTY) process.stderr.write('Password (not shown): ');
  if (input.isTTY) input.setRawMode?.(true);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      if (/[\r\n\u0003\u0004]/.test(text)) break;
    }
  } finally {
    if (input.isTTY) {
      input.setRawMode?.(false);
      process.stderr.write('\n');
    }
    input.pause();
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.includes('\u0003')) throw new CommandFailed('Cancelled.');
  return text.split(/\r?\n|\r|\u0004/)[0] ?? '';
}

export async function staff(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const { values, positionals } = parseWithPositionals(rest, { role: { type: 'string' } }, 1);
    const email = positionals[0];
    if (!email) throw new UsageError('Give the staff member\'s email: portico staff add EMAIL --role admin|viewer (the password is read from stdin).');
    if (typeof values.role !== 'string') throw new UsageError('--role is required (admin or viewer).');
    const password = await readPassword();
    if (password === '') throw new CommandFailed(`No password on stdin: pipe one in (at least ${MIN_PASSWORD_LENGTH} characters), e.g. printf '%s\\n' "$PASSWORD" | portico staff add ${email} --role ${values.role}.`);
    await withStore(values, async (store) => {
      try {
        const member = await addStaff(store.db, { email, role: values.role as string, password });
        write(values.json ? `${JSON.stringify(member)}\n` : `Staff member ${member.email} added (${member.role}). They sign in at /dashboard/login.\n`);
      } catch (error) {
        if (error instanceof StaffInputError) throw new CommandFailed(error.message);
        throw error;
      }
    });
    return;
  }
  if (sub === 'list') {
    const { values } = parseWithPositionals(rest, {}, 0);
    await withStore(values, async (store) => {
      const members = await listStaff(store.db);
      if (values.json) write(`${JSON.stringify(members)}\n`);
      else if (members.length === 0) write('No staff members yet: add one with portico staff add EMAIL --role admin.\n');
      else for (const m of members) write(`${m.email.padEnd(40)} ${m.role.padEnd(7)} ${m.createdAt}${m.lockedUntil && new Date(m.lockedUntil) > new Date() ? `  locked until ${m.lockedUntil}` : ''}\n`);
    });
    return;
  }
  if (sub === 'remove') {
    const { values, positionals } = parseWithPositionals(rest, {}, 1);
    const email = positionals[0];
    if (!email) throw new UsageError('Give the email to remove: portico staff remove EMAIL.');
    await withStore(values, async (store) => {
      if (!(await removeStaff(store.db, email))) throw new CommandFailed(`${email} is not a staff member (portico staff list shows who is).`);
      write(`Staff member ${email.trim().toLowerCase()} removed; their sessions have ended.\n`);
    });
    return;
  }
  throw new UsageError(sub ? `Unknown staff command "${sub}".` : 'Say what to do: portico staff add|list|remove.');
}
