// A nudge, in this process, when a replica's answer or heartbeat arrives: a move waiting on the
// replicas wakes at once instead of at its next poll. Answers that reach another registry server
// are still seen — the waiter polls the database on a short timer — so this only makes it sooner.
import { EventEmitter } from 'node:events';

const news = new EventEmitter();
news.setMaxListeners(0);

/** Something changed for `key` (a prepare id, or a model's name for heartbeats). */
export function announce(key: string): void {
  news.emit(key);
}

/** Resolves when `key` is announced or after `ms`, whichever comes first. */
export function nextNews(key: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      news.off(key, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    news.on(key, done);
  });
}
