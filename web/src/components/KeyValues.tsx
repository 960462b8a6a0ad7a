// A captioned two-column table of names and values (params, metrics, tags, tensors).
export function KeyValues({ title, values }: { title: string; values: Record<string, string | number> }) {
  const entries = Object.entries(values);
  return (
    <table className="kv">
      <caption>{title}</caption>
      <tbody>
        {entries.length === 0 && (
          <tr>
            <td className="muted">none recorded</td>
          </tr>
        )}
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="mono">{String(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
