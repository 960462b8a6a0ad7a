// The first screen of an empty registry: instead of an empty table, the three steps from nothing to
// a served model, as commands to copy. They name this very server, so they work as pasted.
import { CopyCommand } from './CopyCommand';

/** The three commands, for the server at `origin` (the page's own). */
export function firstModelCommands(origin: string): { title: string; why: string; command: string }[] {
  const url = origin.replace(/\/$/, '');
  const to = url === 'http://127.0.0.1:5100' ? '' : ` --url ${url}`;
  return [
    {
      title: 'Register a model and its first version',
      why: 'A version is a directory (or a file) with a model.onnx, or an MLflow model directory (MLmodel).',
      command: `stagecraft${to} models create fraud\nstagecraft${to} versions create fraud ./model-v1/ --label v1.0`,
    },
    {
      title: 'Promote it to Production',
      why: 'The gateway serves what is in Production; the previous version stays warm for a rollback.',
      command: `stagecraft${to} models transition-version --model-name fraud --version 1 --stage Production`,
    },
    {
      title: 'Send it a request',
      why: 'The answer names the version that served it (stagecraft-model-version).',
      command: `curl -X POST '${url}/v1/models/fraud:predict' -H 'content-type: application/json' \\\n  -d '{"instances":[[0.9, 0.4, 1, 0]]}'`,
    },
  ];
}

export function FirstModelGuide({ origin }: { origin: string }) {
  return (
    <section aria-labelledby="first-h" className="card first-model">
      <h2 id="first-h">No models yet — serve your first one in three steps</h2>
      <ol>
        {firstModelCommands(origin).map((s, i) => (
          <li key={s.title}>
            <h3>{s.title}</h3>
            <p className="small muted">{s.why}</p>
            <CopyCommand command={s.command} label={`Step ${i + 1}: ${s.title}`} />
          </li>
        ))}
      </ol>
      <p className="small muted">
        No model at hand? <code>npm run demo</code> registers two fraud models, serves traffic and shows an automatic rollback. The README&apos;s
        walkthrough goes further: a second version, a rollback, the history.
      </p>
    </section>
  );
}
