/**
 * What `portico <command> --help` and `portico help <command>` print after the command's lines of
 * the usage: what it does and what its options mean.
 */
export const COMMAND_HELP: Record<string, string> = {
  serve: `Runs the HTTP server until SIGINT or SIGTERM (then drains in-flight requests).

  --port P     TCP port (default PORT or 3000; 0 picks a free one)
  --host H     interface to bind (default HOST or 127.0.0.1; 0.0.0.0 for every interface)
  --data DIR   data directory: embedded SQLite database, generated keys, demo files (default PORTICO_DATA_DIR or ./data)
  --demo       create a demo project on first run and keep its keys in DIR/demo-project.json and
               DIR/demo-private-key.pem; the files belong to one store (DATABASE_URL or DIR's
               SQLite), so another store needs another --data
  --no-worker  do not run job workers in this process (run "portico worker" elsewhere)`,
  worker: `Runs durable jobs (token refresh, retention, schedules) without an HTTP listener, until
SIGINT or SIGTERM (then drains the running jobs).`,
  jobs: `Looks at the job queue: "list" shows jobs (--state, --limit), "retry ID" queues a dead job
again, "selftest" enqueues --count diagnostic jobs and reports whether every one ran exactly once.`,
  secrets: `"reseal" re-seals every stored secret with the newest encryption key (then older keys can be
dropped); "forget-key --fingerprint F" gives up a lost key whose secrets can no longer be opened.`,
  staff: `Manages dashboard accounts. "add EMAIL --role admin|viewer" reads the password from stdin
(first line; at least 12 characters; typed without echo at a terminal) and stores only its scrypt
hash; "list" shows who has access and who is locked out; "remove EMAIL" deletes the account and ends
its sessions. Viewers can look at everything and change nothing.`,
  workflows: `"apply DIR --project ID" makes the project's workflows match the .json files of DIR
(one definition per file, or an array; the Admin API's POST /workflows body), matched by name: new
names are created, changed ones updated, others left alone. Every file is checked first; one mistake
anywhere (reported as FILE: field: what to fix) applies nothing. --dry-run shows what would change.`,
  project: `Creates and lists projects. "create" prints the project id, its Admin API key and its
private signing key once; Portico keeps only the key's hash and the public key.

  --name NAME   the project's name
  --plan PLAN   basic, pro or enterprise (default enterprise)
  --json        machine-readable output`,
  keys: `Rotates a project's signing key: prints the new private key once. Tokens signed with the
previous key keep working for --grace (default 24h; 0 revokes it at once, for a leaked key).`,
  token: `Signs a User Token the way your backend would (RS256, sub, iat, exp, aud), after checking
in the store that the project exists and that the private key is one of its signing keys.

  --project ID        the project
  --user ID           the token's sub: your id for the user
  --ttl DURATION      lifetime: seconds or 90s, 30m, 1h, 7d; from 1s to 7d (default 1h)
  --private-key FILE  the project's private signing key (default DIR/demo-private-key.pem,
                      the demo project's key)`,
  migrate: `Brings the store's schema up to date (serve does this too, at start).`,
  bench: `Runs the benchmark of a source checkout; "portico bench --help" lists its options.`,
};
