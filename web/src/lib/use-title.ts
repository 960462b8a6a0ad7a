// The tab title names the page, so history, tabs and screen readers say where you are.
import { useEffect } from 'react';

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Stagecraft`;
  }, [title]);
}
