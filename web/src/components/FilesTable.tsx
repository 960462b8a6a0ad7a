// A manifest as a table: path, size, sha256 — a version's artifacts and a logged model's files alike.
import { formatBytes } from '../lib/format';

export interface FileRow {
  path: string;
  size: number;
  sha256: string;
}

export function FilesTable({ files, empty }: { files: FileRow[]; empty?: string }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">File</th>
          <th scope="col">Size</th>
          <th scope="col">sha256</th>
        </tr>
      </thead>
      <tbody>
        {files.length === 0 && empty && (
          <tr>
            <td colSpan={3} className="muted">
              {empty}
            </td>
          </tr>
        )}
        {files.map((f) => (
          <tr key={f.path}>
            <th scope="row" className="mono">
              {f.path}
            </th>
            <td>{formatBytes(f.size)}</td>
            <td className="mono small">{f.sha256}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
