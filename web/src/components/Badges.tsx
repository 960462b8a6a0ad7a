// Stage, health and alias badges: colour is a hint, the text always says it (screen readers, print).
export function StageBadge({ stage }: { stage: string }) {
  return <span className={`badge stage-${stage.toLowerCase()}`}>{stage}</span>;
}

export function HealthBadge({ health, reason }: { health: string; reason?: string | null }) {
  const label = health === 'stable' ? 'stable' : health === 'failed' ? 'failed' : 'health unknown';
  return (
    <span className={`badge health-${health}`} title={reason ?? undefined}>
      <span aria-hidden="true" className="dot" />
      {label}
    </span>
  );
}

export function AliasBadge({ alias }: { alias: string }) {
  return <span className="badge alias">@{alias}</span>;
}

export function AutoBadge({ automatic }: { automatic: boolean }) {
  // Automatic moves (guard, rollout) stand out; manual is the quiet default but still said in words.
  return automatic ? <span className="badge auto">automatic</span> : <span className="manual">manual</span>;
}
