// Examples under every command's --help: what a person types, with the fraud model of the README.
// Kept in one table (command path -> lines) so they read as one manual; each registration function
// calls addExamples(program) once at its end, which fills in the commands registered so far.
import type { Command } from 'commander';

const EXAMPLES: Record<string, string[]> = {
  server: ['server', 'server --port 5200 --data-dir /var/lib/stagecraft', 'server --database-url postgres://localhost/stagecraft'],
  demo: ['demo', 'demo --once', 'demo --port 5300'],
  gateway: ['gateway --registry http://registry:5100 --port 5200 --cache-dir /var/cache/stagecraft --token $GATEWAY_TOKEN'],
  'models create': ['models create fraud --description "card fraud classifier"'],
  'models list': ['models list', 'models list --search fraud --json'],
  'models show': ['models show fraud'],
  'models update': ['models update fraud --description "card fraud classifier, EU"', 'models update fraud --rename fraud-eu'],
  'models delete': ['models delete fraud --reason "replaced by fraud-eu"'],
  'models protect': ['models protect fraud'],
  'models unprotect': ['models unprotect fraud'],
  'models transition-version': [
    'models transition-version --model-name fraud --version 2 --stage production --archive-existing',
    'models transition-version --model-name fraud --version v2.0 --stage Staging',
    'models transition-version --model-name fraud --version 2 --stage Production --force --reason "failed by a flaky check"',
  ],
  'versions create': [
    'versions create fraud ./model-v1/ --label v1.0 --metric auc=0.91 --param max_depth=6',
    'versions create fraud ./model.onnx --tag stagecraft.feature_names=amount,age,country',
    'versions create fraud ./MLmodel-dir/ --endpoint-url http://127.0.0.1:5001/invocations',
  ],
  'versions list': ['versions list fraud', 'versions list fraud --stage production'],
  'versions show': ['versions show fraud 2', 'versions show fraud v2.0', 'versions show models:/fraud/Production'],
  'versions download': ['versions download fraud 2 --out ./fraud-v2', 'versions download models:/fraud@champion'],
  'versions delete': ['versions delete fraud 3 --reason "uploaded by mistake"'],
  'versions mark': ['versions mark fraud 2 --failed --reason "recall fell to 0.41"', 'versions mark models:/fraud/Production --stable --reason "a week without alerts"'],
  'versions purge': ['versions purge fraud 3 --reason "GDPR request"', 'versions purge --all-deleted --reason "quarterly cleanup"'],
  'aliases set': ['aliases set fraud champion 2', 'aliases set fraud champion v2.0 --reason "won the A/B test"'],
  'aliases get': ['aliases get fraud champion'],
  'aliases delete': ['aliases delete fraud challenger --reason "experiment over"'],
  rollback: ['rollback fraud --reason "recall on fraud class fell from 0.82 to 0.41"', 'rollback fraud --stage staging --to v1.0 --reason "v2 breaks the batch job"', 'rollback fraud --alias champion --reason "latency doubled"'],
  history: ['history fraud', 'history fraud --stage production', 'history fraud --at 2026-11-22T16:00:00Z', 'history fraud --alias champion'],
  resolve: ['resolve models:/fraud/Production', 'resolve models:/fraud@champion', 'resolve models:/fraud/v2.0'],
  'tags set': ['tags set fraud team risk', 'tags set fraud stagecraft.feature_names amount,age,country --version 2'],
  'tags delete': ['tags delete fraud team', 'tags delete fraud note --version v2.0'],
  events: ['events --model fraud', 'events --type rollback,version.* --since 2026-11-22T00:00:00Z', 'events --follow'],
  'bindings set': ['bindings set fraud --stage staging --reason "try the gateway on Staging"', 'bindings set fraud --alias champion'],
  'bindings show': ['bindings show fraud'],
  status: ['status fraud', 'status fraud --wait --timeout 30'],
  'replicas forget': ['replicas forget gw-7f3a'],
  'tokens create': ['tokens create ci --role deployer --expires-in 30d', 'tokens create replica-1 --role gateway'],
  'tokens list': ['tokens list'],
  'tokens revoke': ['tokens revoke ci'],
  'grants list': ['grants list', 'grants list --principal group:fraud'],
  'grants add': ['grants add group:fraud "fraud-*" --role deployer', 'grants add group:ranking "fraud-*" --role viewer', 'grants add token:ci fraud-scorer --role deny'],
  'grants remove': ['grants remove 12'],
  'tokens rotate': ['tokens rotate ci', 'tokens rotate ci --expires-in 30d'],
  whoami: ['whoami', '--token $STAGECRAFT_TOKEN whoami'],
  'blobs verify': ['blobs verify', 'blobs verify --repair-from ./stagecraft-gateway-cache'],
  gc: ['gc --dry-run', 'gc --grace 7d'],
  backup: ['backup --out stagecraft-2026-12-05.tar'],
  restore: ['restore stagecraft-2026-12-05.tar --data-dir ./restored-data'],
  'gates show': ['gates show fraud'],
  'gates set': ['gates set fraud gates.yaml'],
  'gates validate': ['gates validate fraud 2', 'gates validate models:/fraud/v2.0 --stage staging'],
  'gates report': ['gates report fraud 2'],
  'gates override': ['gates override fraud 2 --stage production --reason "holdout set is stale; reviewed by hand"'],
  'approvals list': ['approvals list', 'approvals list --model fraud --all'],
  'approvals request': ['approvals request fraud 2 --stage production --reason "recall +4 points"'],
  'approvals approve': ['approvals approve 12 --comment "looks good"'],
  'approvals reject': ['approvals reject 12 --comment "wait for the holdout refresh"'],
  'approvals policy': ['approvals policy fraud', 'approvals policy fraud --stages production', 'approvals policy fraud --stages none'],
  'rollout start': ['rollout start fraud --version 3', 'rollout start fraud --version 3 --steps 5,20,100 --step-minutes 10 --key-header x-user-id'],
  'rollout status': ['rollout status fraud'],
  'rollout pause': ['rollout pause fraud --reason "investigating a latency spike"'],
  'rollout resume': ['rollout resume fraud'],
  'rollout abort': ['rollout abort fraud --reason "error rate doubled"'],
  'rollout promote': ['rollout promote fraud --reason "analysis clean for a day"'],
  'shadow start': ['shadow start fraud --version 3 --percent 10'],
  'shadow report': ['shadow report fraud'],
  'shadow stop': ['shadow stop fraud --reason "enough samples"'],
  drill: ['drill fraud', 'drill fraud --version 3'],
  'policies set': ['policies set fraud policy.yaml'],
  'policies show': ['policies show fraud'],
  'policies delete': ['policies delete fraud'],
  health: ['health fraud 2', 'health models:/fraud/Production --window 600'],
  drift: ['drift fraud 2', 'drift models:/fraud/Production --window 86400'],
  'reference set': ['reference set fraud 2 reference.csv', 'reference set fraud v2.0 reference.jsonl'],
  'reference from-traffic': ['reference from-traffic fraud 2 --requests 2000'],
  feedback: ['feedback fraud labels.csv'],
  'webhooks create': ['webhooks create --url https://hooks.example.com/stagecraft --secret "$HOOK_SECRET" --events rollback,guard.*'],
  'webhooks list': ['webhooks list'],
  'webhooks delete': ['webhooks delete wh_01'],
  'webhooks deliveries': ['webhooks deliveries --limit 20', 'webhooks deliveries --webhook wh_01'],
  export: ['export fraud --out fraud.tar'],
  import: ['import fraud.tar', 'import fraud.tar --as fraud-copy'],
  'gto import': ['gto import --repo ../models-repo', 'gto import fraud --repo ../models-repo --stage-map dev=Staging'],
  'gto export': ['gto export fraud --repo ../models-repo'],
};

const done = new WeakSet<Command>();

function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Adds the examples of every command registered under `program` so far (each command once). */
export function addExamples(program: Command): void {
  const visit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      const lines = EXAMPLES[pathOf(sub)];
      if (lines && !done.has(sub)) {
        done.add(sub);
        sub.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ stagecraft ${l}`).join('\n')}\n`);
      }
      visit(sub);
    }
  };
  visit(program);
}

