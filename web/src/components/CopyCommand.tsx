// A command to paste into a terminal, with a Copy button. The clipboard needs a secure context
// (https or localhost); elsewhere the button says so and the text stays selectable.
import { useState } from 'react';

export function CopyCommand({ command, label }: { command: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = () =>
    navigator.clipboard?.writeText(command).then(
      () => setCopied('yes'),
      () => setCopied('no'),
    ) ?? setCopied('no');
  const text = copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy' : 'Copy';
  return (
    <div className="command">
      <pre aria-label={label}>
        <code>{command}</code>
      </pre>
      <button type="button" onClick={() => void copy()} aria-label={`${text}: ${label}`}>
        {text}
      </button>
    </div>
  );
}
