// The server's own message when something is refused; role="alert" so screen readers announce it.
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error-note">
      {message}
    </p>
  );
}
